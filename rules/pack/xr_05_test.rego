package meshproof.xr_05_test

import data.meshproof.xr_05

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

workload(mesh, mtls) := {
	"ref": ref("Deployment", "payments", "ledger"),
	"namespace": "payments",
	"labels": {"app": "ledger"},
	"mesh": mesh,
	"mtls": object.union({"level": "default", "ports": {}}, mtls),
}

policy(action, rules) := {
	"ref": ref("AuthorizationPolicy", "payments", "block-marketing"),
	"namespace": "payments",
	"action": action,
	"selector": {},
	"spec": {"action": action, "rules": rules},
	"workloads": [0],
}

from_rule(source) := {"from": [{"source": source}]}

model(w, p) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"workloads": [w],
	"authorization_policies": [p],
}

permissive := workload("istio", {"mode": "PERMISSIVE"})

test_identity_deny_on_a_permissive_workload if {
	rules := [{"to": [{"operation": {"paths": ["/internal/*"]}}]}, from_rule({"namespaces": ["marketing"]})]
	results := xr_05.deny with input as model(permissive, policy("DENY", rules))
	count(results) == 1
	some r in results
	r.resource == ref("AuthorizationPolicy", "payments", "block-marketing")
	r.path == ["spec", "rules", "1", "from"]
	r.key == "1:payments/ledger"
	contains(r.msg, "AuthorizationPolicy payments/block-marketing denies by peer identity (rule 1), but Deployment payments/ledger accepts plaintext (mTLS PERMISSIVE)")
}

test_principals_service_accounts_and_weak_ports if {
	disabled := workload("ambient", {"mode": "DISABLE"})
	count(xr_05.deny) == 1 with input as model(disabled, policy("DENY", [from_rule({"principals": ["cluster.local/ns/marketing/sa/campaigns"]})]))
	weak_port := workload("istio", {"mode": "STRICT", "ports": {"8080": "PERMISSIVE"}})
	count(xr_05.deny) == 1 with input as model(weak_port, policy("DENY", [from_rule({"serviceAccounts": ["campaigns"]})]))
}

test_strict_workload_passes if {
	strict := workload("istio", {"mode": "STRICT", "ports": {"8443": "STRICT"}})
	count(xr_05.deny) == 0 with input as model(strict, policy("DENY", [from_rule({"namespaces": ["marketing"]})]))
}

test_allow_and_non_identity_sources_pass if {
	count(xr_05.deny) == 0 with input as model(permissive, policy("ALLOW", [from_rule({"namespaces": ["shop"]})]))
	count(xr_05.deny) == 0 with input as model(permissive, policy("DENY", [from_rule({"notNamespaces": ["shop"]})]))
	count(xr_05.deny) == 0 with input as model(permissive, policy("DENY", [from_rule({"requestPrincipals": ["*"], "namespaces": []})]))
}

test_unmeshed_workload_ignored if {
	count(xr_05.deny) == 0 with input as model(workload("none", {"mode": "PERMISSIVE"}), policy("DENY", [from_rule({"namespaces": ["marketing"]})]))
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "security.istio.io/v1",
		"kind": "AuthorizationPolicy",
		"metadata": {"name": "block-marketing", "namespace": "payments"},
		"spec": {"action": "DENY", "rules": [from_rule({"namespaces": ["marketing"]})]},
	}
	count(xr_05.deny) == 0 with input as manifest
}
