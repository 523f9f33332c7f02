package meshproof.egr_05_test

import data.meshproof.egr_05

se(export_to) := {
	"ref": {"id": 0, "api_version": "networking.istio.io/v1", "kind": "ServiceEntry", "namespace": "payments", "name": "card-network"},
	"namespace": "payments",
	"location": "MESH_EXTERNAL",
	"hosts": ["api.cards.example"],
	"export_to": export_to,
}

model(s, scope) := {
	"meshproof_model": 1,
	"namespaces": {"payments": {"name": "payments", "scope": scope}},
	"service_entries": [s],
}

with_mesh_config(m, exports) := object.union(m, {"mesh_config": {"default_service_export_to": exports}})

test_export_to_star if {
	results := egr_05.deny with input as model(se([".", "*"]), "cde")
	count(results) == 1
	some r in results
	r.path == ["spec", "exportTo", "1"]
	contains(r.msg, "MESH_EXTERNAL ServiceEntry payments/card-network (api.cards.example) is in CDE namespace payments but visible mesh-wide: its exportTo contains \"*\"")
}

test_no_export_to_without_mesh_config if {
	results := egr_05.deny with input as model(se([]), "cde")
	some r in results
	r.path == ["spec", "exportTo"]
	contains(r.msg, "the mesh config is not in the input")
}

test_no_export_to_with_mesh_default_star if {
	results := egr_05.deny with input as with_mesh_config(model(se([]), "cde"), ["*"])
	some r in results
	contains(r.msg, "meshConfig.defaultServiceExportTo exports it to every namespace")
}

test_scoped_exports_pass if {
	count(egr_05.deny) == 0 with input as model(se(["."]), "cde")
	count(egr_05.deny) == 0 with input as with_mesh_config(model(se([]), "cde"), ["."])
}

test_outside_cde_and_mesh_internal_pass if {
	count(egr_05.deny) == 0 with input as model(se(["*"]), "out")
	count(egr_05.deny) == 0 with input as model(object.union(se(["*"]), {"location": "MESH_INTERNAL"}), "cde")
}
