package meshproof.mtls_02_test

import data.meshproof.mtls_02

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

workload(scope, mesh, mtls) := {
	"ref": ref("Deployment", "payments", "ledger"),
	"namespace": "payments",
	"labels": {"app": "ledger"},
	"scope": scope,
	"mesh": mesh,
	"mtls": object.union({"level": "default", "ports": {}, "ambiguous": false, "weakened": false}, mtls),
	"template_path": ["spec", "template"],
}

model(workloads) := {"meshproof_model": 1, "root_namespace": "istio-system", "workloads": workloads}

test_default_permissive_in_the_cde if {
	results := mtls_02.deny with input as model([workload("cde", "istio", {"mode": "PERMISSIVE"})])
	count(results) == 1
	some r in results
	r.resource == ref("Deployment", "payments", "ledger")
	r.path == ["spec", "template"]
	r.key == ""
	contains(r.msg, "Deployment payments/ledger is in the CDE but its effective mTLS mode is PERMISSIVE (no PeerAuthentication sets a mode")
}

test_permissive_set_by_a_policy if {
	w := workload("cde", "ambient", {"mode": "PERMISSIVE", "source": ref("PeerAuthentication", "payments", "default"), "level": "namespace"})
	results := mtls_02.deny with input as model([w])
	count(results) == 1
	some r in results
	contains(r.msg, "(set by PeerAuthentication payments/default)")
}

test_permissive_port_of_a_strict_workload if {
	w := workload("cde", "istio", {
		"mode": "STRICT",
		"level": "workload",
		"ports": {"9102": "PERMISSIVE", "8200": "STRICT"},
		"workload_policy": ref("PeerAuthentication", "payments", "vault"),
	})
	results := mtls_02.deny with input as model([w])
	count(results) == 1
	some r in results
	r.key == "9102"
	r.path == ["spec", "template"]
	contains(r.msg, "port 9102 is PERMISSIVE (PeerAuthentication payments/vault): plaintext is accepted on it")
}

test_strict_and_disable_are_not_this_rule if {
	count(mtls_02.deny) == 0 with input as model([workload("cde", "istio", {"mode": "STRICT"})])
	count(mtls_02.deny) == 0 with input as model([workload("cde", "istio", {"mode": "DISABLE"})])
}

test_outside_the_cde_or_the_istio_mesh_ignored if {
	workloads := [
		workload("out", "istio", {"mode": "PERMISSIVE"}),
		workload("connected", "istio", {"mode": "PERMISSIVE"}),
		workload("cde", "none", {"mode": "PERMISSIVE"}),
		workload("cde", "linkerd", {"mode": "PERMISSIVE"}),
		workload("cde", "unknown", {"mode": "PERMISSIVE"}),
	]
	count(mtls_02.deny) == 0 with input as model(workloads)
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "security.istio.io/v1",
		"kind": "PeerAuthentication",
		"metadata": {"name": "default", "namespace": "payments"},
		"spec": {"mtls": {"mode": "PERMISSIVE"}},
	}
	count(mtls_02.deny) == 0 with input as manifest
}
