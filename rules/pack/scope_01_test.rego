package meshproof.scope_01_test

import data.meshproof.scope_01

ref(name) := {"id": 0, "api_version": "v1", "kind": "Namespace", "namespace": "", "name": name}

# namespace is a declared namespace; bad_scope is only present when the
# label holds an invalid value (omitempty in the model).
namespace(name, scope) := {
	"name": name,
	"declared": true,
	"ref": ref(name),
	"labels": {},
	"annotations": {},
	"scope": scope,
	"scope_source": "label",
}

model(namespaces) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {ns.name: ns | some ns in namespaces},
}

test_namespace_without_scope if {
	results := scope_01.deny with input as model([object.union(namespace("shop", ""), {"scope_source": ""})])
	count(results) == 1
	some r in results
	r.resource == ref("shop")
	r.path == ["metadata"]
	r.key == ""
	contains(r.msg, "namespace shop has no PCI scope")
}

test_invalid_scope_label if {
	bad := object.union(namespace("payments", "cde"), {"bad_scope": "CDE"})
	results := scope_01.deny with input as model([bad])
	count(results) == 1
	some r in results
	r.path == ["metadata", "labels", "meshproof.dev/pci-scope"]
	r.key == "bad"
	contains(r.msg, "namespace payments has meshproof.dev/pci-scope \"CDE\", which is not cde, connected or out; it is treated as cde")
}

test_scoped_namespaces_pass if {
	namespaces := [namespace("payments", "cde"), namespace("shop", "connected"), namespace("blog", "out")]
	count(scope_01.deny) == 0 with input as model(namespaces)
}

test_undeclared_namespaces_ignored if {
	count(scope_01.deny) == 0 with input as model([object.union(namespace("ghost", ""), {"declared": false})])
}

test_manifest_input_yields_nothing if {
	count(scope_01.deny) == 0 with input as {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}
}
