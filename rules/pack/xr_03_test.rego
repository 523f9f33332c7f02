package meshproof.xr_03_test

import data.meshproof.xr_03

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

workload(ns, labels) := {"ref": ref("Deployment", ns, "ledger"), "namespace": ns, "labels": labels}

policy(ns, selector, extra) := object.union(
	{
		"ref": ref("AuthorizationPolicy", ns, "ledger"),
		"namespace": ns,
		"action": "ALLOW",
		"selector": selector,
		"target_refs": false,
		"mesh_wide": ns == "istio-system",
		"dry_run": false,
		"spec": {},
		"workloads": [],
	},
	extra,
)

model(policies) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"workloads": [workload("payments", {"app": "ledger", "version": "v2"})],
	"authorization_policies": policies,
}

test_selector_matches_no_pod_template if {
	results := xr_03.deny with input as model([policy("payments", {"app": "ledger-deploy"}, {})])
	count(results) == 1
	some r in results
	r.resource == ref("AuthorizationPolicy", "payments", "ledger")
	r.path == ["spec", "selector"]
	r.key == ""
	contains(r.msg, "AuthorizationPolicy payments/ledger selects no workload: no pod template in namespace payments has the labels")
}

test_root_namespace_policy_selecting_nothing if {
	results := xr_03.deny with input as model([policy("istio-system", {"version": "v3"}, {})])
	count(results) == 1
	some r in results
	contains(r.msg, "no pod template in any namespace has the labels")
}

test_policy_that_selects_a_workload_passes if {
	count(xr_03.deny) == 0 with input as model([policy("payments", {"app": "ledger"}, {"workloads": [0]})])
	count(xr_03.deny) == 0 with input as model([policy("istio-system", {"version": "v2"}, {"workloads": [0]})])
}

test_selectorless_target_refs_and_unknown_namespaces_ignored if {
	policies := [
		policy("payments", {}, {}),
		policy("payments", {"app": "ledger-deploy"}, {"target_refs": true}),
		policy("shop", {"app": "web"}, {}),
	]
	count(xr_03.deny) == 0 with input as model(policies)
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "security.istio.io/v1",
		"kind": "AuthorizationPolicy",
		"metadata": {"name": "ledger", "namespace": "payments"},
		"spec": {"selector": {"matchLabels": {"app": "ledger-deploy"}}},
	}
	count(xr_03.deny) == 0 with input as manifest
}
