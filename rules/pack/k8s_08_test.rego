package meshproof.k8s_08_test

import data.meshproof.k8s_08

workload(id, name, sa, scope) := {
	"ref": {"id": id, "api_version": "apps/v1", "kind": "Deployment", "namespace": "payments", "name": name},
	"namespace": "payments",
	"service_account": sa,
	"spiffe_id": sprintf("spiffe://cluster.local/ns/payments/sa/%s", [sa]),
	"scope": scope,
	"template_path": ["spec", "template"],
}

model(ws) := {
	"meshproof_model": 1,
	"workloads": ws,
	"service_accounts": {sa: [i | some i, w in ws; sprintf("%s/%s", [w.namespace, w.service_account]) == sa] |
		some w in ws
		sa := sprintf("%s/%s", [w.namespace, w.service_account])
	},
}

test_default_service_account_in_cde if {
	results := k8s_08.deny with input as model([workload(1, "ledger", "default", "cde")])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "serviceAccountName"]
	r.key == "default"
	contains(r.msg, "Deployment payments/ledger is in the CDE but runs as the default ServiceAccount, so its mesh identity spiffe://cluster.local/ns/payments/sa/default")
}

test_shared_service_account_in_cde if {
	results := k8s_08.deny with input as model([workload(1, "ledger", "payments", "cde"), workload(2, "vault", "payments", "out")])
	count(results) == 1
	some r in results
	r.resource.name == "ledger"
	contains(r.msg, "shares ServiceAccount payments with Deployment vault")
}

test_own_service_accounts_pass if {
	count(k8s_08.deny) == 0 with input as model([workload(1, "ledger", "ledger", "cde"), workload(2, "vault", "vault", "cde")])
}

test_outside_cde_passes if {
	count(k8s_08.deny) == 0 with input as model([workload(1, "web", "default", "out"), workload(2, "cms", "default", "out")])
}
