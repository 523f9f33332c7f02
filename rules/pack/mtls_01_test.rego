package meshproof.mtls_01_test

import data.meshproof.mtls_01

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

namespace(name, injection) := {
	"name": name,
	"declared": true,
	"ref": ref("Namespace", "", name),
	"labels": {},
	"annotations": {},
	"injection": injection,
}

mesh_policy := ref("PeerAuthentication", "istio-system", "default")

model(namespaces, parts) := object.union(
	{
		"meshproof_model": 1,
		"root_namespace": "istio-system",
		"namespaces": {ns.name: ns | some ns in namespaces},
		"mesh_mode": "PERMISSIVE",
	},
	parts,
)

test_no_mesh_policy_reported_on_each_meshed_namespace if {
	namespaces := [
		namespace("shop", "istio"),
		namespace("payments", "istio-revision"),
		namespace("vault", "ambient"),
		namespace("tools", "none"),
		namespace("cards", "linkerd"),
	]
	results := mtls_01.deny with input as model(namespaces, {})
	count(results) == 3
	some r in results
	r.resource == ref("Namespace", "", "shop")
	r.path == ["metadata"]
	r.key == ""
	contains(r.msg, "no mesh-wide STRICT PeerAuthentication in istio-system: namespace shop is meshed but defaults to PERMISSIVE")
}

test_mesh_policy_not_strict if {
	results := mtls_01.deny with input as model([namespace("shop", "istio")], {"mesh_policy": mesh_policy, "mesh_mode": "PERMISSIVE"})
	count(results) == 1
	some r in results
	r.resource == mesh_policy
	r.path == ["spec", "mtls"]
	contains(r.msg, "the mesh-wide PeerAuthentication istio-system/default leaves the mesh in PERMISSIVE mode, not STRICT")

	count(mtls_01.deny) == 1 with input as model([], {"mesh_policy": mesh_policy, "mesh_mode": "DISABLE"})
}

test_strict_mesh_policy_passes if {
	count(mtls_01.deny) == 0 with input as model([namespace("shop", "istio")], {"mesh_policy": mesh_policy, "mesh_mode": "STRICT"})
}

test_undeclared_namespaces_ignored if {
	undeclared := object.union(namespace("shop", "istio"), {"declared": false})
	count(mtls_01.deny) == 0 with input as model([undeclared], {})
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "v1",
		"kind": "Namespace",
		"metadata": {"name": "shop", "labels": {"istio-injection": "enabled"}},
	}
	count(mtls_01.deny) == 0 with input as manifest
}
