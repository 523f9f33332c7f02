package meshproof.egr_07_test

import data.meshproof.egr_07

ref(kind, ns, name) := {"id": 0, "api_version": "networking.istio.io/v1", "kind": kind, "namespace": ns, "name": name}

entry(ns, location, routes) := {
	"ref": ref("ServiceEntry", ns, "acquirer"),
	"namespace": ns,
	"hosts": ["api.acquirer.example"],
	"location": location,
	"virtual_services": routes,
}

route(gateways) := {
	"ref": ref("VirtualService", "payments", "acquirer"),
	"namespace": "payments",
	"hosts": ["api.acquirer.example"],
	"gateways": gateways,
	"spec": {},
}

model(entries, routes) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {
		"payments": {"name": "payments", "declared": true, "scope": "cde"},
		"shop": {"name": "shop", "declared": true, "scope": "connected"},
	},
	"service_entries": entries,
	"virtual_services": routes,
}

test_cde_entry_without_egress_gateway_route if {
	results := egr_07.deny with input as model([entry("payments", "MESH_EXTERNAL", [])], [])
	count(results) == 1
	some r in results
	r.resource == ref("ServiceEntry", "payments", "acquirer")
	r.path == ["spec", "hosts"]
	r.key == ""
	contains(r.msg, "ServiceEntry payments/acquirer lets CDE workloads reach api.acquirer.example directly")
}

test_routes_without_both_mesh_and_a_gateway_do_not_count if {
	e := entry("payments", "MESH_EXTERNAL", [0])
	count(egr_07.deny) == 1 with input as model([e], [route([])])
	count(egr_07.deny) == 1 with input as model([e], [route(["mesh"])])
	count(egr_07.deny) == 1 with input as model([e], [route(["istio-system/egress"])])
}

test_route_through_egress_gateway_passes if {
	e := entry("payments", "MESH_EXTERNAL", [0])
	count(egr_07.deny) == 0 with input as model([e], [route(["mesh", "istio-system/egress"])])
}

test_outside_the_cde_and_mesh_internal_ignored if {
	count(egr_07.deny) == 0 with input as model([entry("shop", "MESH_EXTERNAL", [])], [])
	count(egr_07.deny) == 0 with input as model([entry("unlisted", "MESH_EXTERNAL", [])], [])
	count(egr_07.deny) == 0 with input as model([entry("payments", "MESH_INTERNAL", [])], [])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "networking.istio.io/v1",
		"kind": "ServiceEntry",
		"metadata": {"name": "acquirer", "namespace": "payments"},
		"spec": {"hosts": ["api.acquirer.example"], "resolution": "DNS"},
	}
	count(egr_07.deny) == 0 with input as manifest
}
