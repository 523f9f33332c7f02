package meshproof.inj_01_test

import data.meshproof.inj_01

ref(name) := {"id": 0, "api_version": "v1", "kind": "Namespace", "namespace": "", "name": name}

namespace(name, scope, injection) := {
	"name": name,
	"declared": true,
	"ref": ref(name),
	"labels": {},
	"annotations": {},
	"scope": scope,
	"injection": injection,
}

model(namespaces) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {ns.name: ns | some ns in namespaces},
}

test_cde_namespace_without_injection if {
	results := inj_01.deny with input as model([namespace("payments", "cde", "none")])
	count(results) == 1
	some r in results
	r.resource == ref("payments")
	r.path == ["metadata"]
	r.key == ""
	contains(r.msg, "namespace payments is in the CDE but not in the mesh (injection: none)")
}

test_injection_disabled if {
	results := inj_01.deny with input as model([namespace("vault", "cde", "disabled")])
	count(results) == 1
	some r in results
	contains(r.msg, "(injection: disabled)")
}

test_meshed_namespaces_pass if {
	namespaces := [
		namespace("payments", "cde", "istio"),
		namespace("vault", "cde", "istio-revision"),
		namespace("cards", "cde", "ambient"),
		namespace("tokens", "cde", "linkerd"),
	]
	count(inj_01.deny) == 0 with input as model(namespaces)
}

test_out_of_scope_and_undeclared_namespaces_ignored if {
	count(inj_01.deny) == 0 with input as model([namespace("blog", "out", "none"), namespace("shop", "connected", "none")])
	undeclared := object.union(namespace("payments", "cde", "unknown"), {"declared": false})
	count(inj_01.deny) == 0 with input as model([undeclared])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "v1",
		"kind": "Namespace",
		"metadata": {"name": "payments", "labels": {"meshproof.dev/pci-scope": "cde"}},
	}
	count(inj_01.deny) == 0 with input as manifest
}
