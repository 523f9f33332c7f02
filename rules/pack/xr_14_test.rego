package meshproof.xr_14_test

import data.meshproof.xr_14

sidecar(id, name, selector, workloads) := {
	"ref": {"id": id, "api_version": "networking.istio.io/v1", "kind": "Sidecar", "namespace": "payments", "name": name},
	"namespace": "payments",
	"selector": selector,
	"workloads": workloads,
}

workload := {"ref": {"id": 9, "api_version": "apps/v1", "kind": "Deployment", "namespace": "payments", "name": "ledger"}, "namespace": "payments"}

model(sidecars) := {"meshproof_model": 1, "workloads": [workload], "sidecars": sidecars}

test_two_selectorless_sidecars if {
	results := xr_14.deny with input as model([sidecar(1, "default", {}, []), sidecar(2, "egress", {}, [])])
	count(results) == 2
	some r in results
	r.resource.name == "default"
	r.path == ["metadata", "name"]
	contains(r.msg, "Sidecar payments/default is one of 2 Sidecars without a workloadSelector in namespace payments, with egress")
}

test_two_sidecars_select_one_workload if {
	results := xr_14.deny with input as model([sidecar(1, "ledger", {"app": "ledger"}, [0]), sidecar(2, "ledger-v2", {"version": "v2"}, [0])])
	count(results) == 2
	some r in results
	r.resource.name == "ledger"
	r.path == ["spec", "workloadSelector"]
	r.key == "Deployment/ledger"
	contains(r.msg, "Sidecar payments/ledger selects Deployment payments/ledger, also selected by Sidecar ledger-v2")
}

test_one_default_and_one_selecting_passes if {
	count(xr_14.deny) == 0 with input as model([sidecar(1, "default", {}, []), sidecar(2, "ledger", {"app": "ledger"}, [0])])
}

test_other_namespaces_do_not_conflict if {
	other := object.union(sidecar(2, "default", {}, []), {"namespace": "shop"})
	count(xr_14.deny) == 0 with input as model([sidecar(1, "default", {}, []), other])
}
