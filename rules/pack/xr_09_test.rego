package meshproof.xr_09_test

import data.meshproof.xr_09

ref(kind, name) := {"id": 0, "api_version": "apps/v1", "kind": kind, "namespace": "payments", "name": name}

workload(kind, path, scope, has_allow) := {
	"ref": ref(kind, "ledger"),
	"namespace": "payments",
	"labels": {"app": "ledger"},
	"scope": scope,
	"authorization": {"policies": [], "has_allow": has_allow, "allow_all": false, "deny_all": false, "deny": false, "custom": false},
	"template_path": path,
}

model(workloads) := {"meshproof_model": 1, "root_namespace": "istio-system", "workloads": workloads}

test_cde_workload_without_allow_policy if {
	results := xr_09.deny with input as model([workload("Deployment", ["spec", "template"], "cde", false)])
	count(results) == 1
	some r in results
	r.resource == ref("Deployment", "ledger")
	r.path == ["spec", "template"]
	r.key == ""
	contains(r.msg, "Deployment payments/ledger is in the CDE but no ALLOW AuthorizationPolicy selects it")
}

test_pod_points_at_its_root if {
	results := xr_09.deny with input as model([workload("Pod", [], "cde", false)])
	some r in results
	r.path == []
}

test_deny_only_policies_do_not_count if {
	w := object.union(workload("Deployment", ["spec", "template"], "cde", false), {"authorization": {"deny": true}})
	count(xr_09.deny) == 1 with input as model([w])
}

test_allow_policy_passes if {
	count(xr_09.deny) == 0 with input as model([workload("Deployment", ["spec", "template"], "cde", true)])
}

test_out_of_scope_workloads_ignored if {
	workloads := [
		workload("Deployment", ["spec", "template"], "connected", false),
		workload("Deployment", ["spec", "template"], "out", false),
		workload("Deployment", ["spec", "template"], "", false),
	]
	count(xr_09.deny) == 0 with input as model(workloads)
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "ledger", "namespace": "payments"},
		"spec": {"template": {"spec": {"containers": []}}},
	}
	count(xr_09.deny) == 0 with input as manifest
}
