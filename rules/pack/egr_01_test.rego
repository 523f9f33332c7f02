package meshproof.egr_01_test

import data.meshproof.egr_01

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

namespace(name, scope) := {
	"name": name,
	"declared": true,
	"ref": ref("Namespace", "", name),
	"labels": {},
	"annotations": {},
	"scope": scope,
}

mesh_config(mode, set) := {
	"ref": ref("ConfigMap", "istio-system", "istio"),
	"path": ["data", "mesh"],
	"outbound_mode": mode,
	"outbound_set": set,
}

sidecar(ns, selector, mode) := {
	"ref": ref("Sidecar", ns, "default"),
	"namespace": ns,
	"selector": selector,
	"egress_hosts": [],
	"outbound_mode": mode,
	"workloads": [],
}

model(parts) := object.union(
	{
		"meshproof_model": 1,
		"root_namespace": "istio-system",
		"namespaces": {"payments": namespace("payments", "cde"), "shop": namespace("shop", "connected")},
		"sidecars": [],
	},
	parts,
)

test_allow_any_in_mesh_config_is_denied if {
	results := egr_01.deny with input as model({"mesh_config": mesh_config("ALLOW_ANY", true)})
	count(results) == 1
	some r in results
	r.resource == ref("ConfigMap", "istio-system", "istio")
	r.path == ["data", "mesh"]
	r.key == ""
	contains(r.msg, "ConfigMap istio-system/istio leaves outboundTrafficPolicy at ALLOW_ANY: sidecars pass traffic to any destination")
	not r.not_assessed
}

test_unset_mode_is_istio_default if {
	results := egr_01.deny with input as model({"mesh_config": mesh_config("ALLOW_ANY", false)})
	count(results) == 1
	some r in results
	contains(r.msg, "ALLOW_ANY (unset, Istio's default)")
}

test_registry_only_passes if {
	count(egr_01.deny) == 0 with input as model({"mesh_config": mesh_config("REGISTRY_ONLY", true)})
}

test_registry_only_sidecars_cover_every_cde_namespace if {
	two_cde := {"namespaces": {"vault": namespace("vault", "cde")}, "mesh_config": mesh_config("ALLOW_ANY", false)}
	both := [sidecar("payments", {}, "REGISTRY_ONLY"), sidecar("vault", {}, "REGISTRY_ONLY")]
	count(egr_01.deny) == 0 with input as model(object.union(two_cde, {"sidecars": both}))

	# One CDE namespace left uncovered.
	count(egr_01.deny) == 1 with input as model(object.union(two_cde, {"sidecars": [sidecar("vault", {}, "REGISTRY_ONLY")]}))

	# A root-namespace default Sidecar covers every namespace.
	count(egr_01.deny) == 0 with input as model(object.union(two_cde, {"sidecars": [sidecar("istio-system", {}, "REGISTRY_ONLY")]}))
}

test_workload_sidecars_do_not_cover_a_namespace if {
	sidecars := [sidecar("payments", {"app": "api"}, "REGISTRY_ONLY")]
	count(egr_01.deny) == 1 with input as model({"mesh_config": mesh_config("ALLOW_ANY", false), "sidecars": sidecars})
}

test_missing_mesh_config_is_not_assessed if {
	results := egr_01.deny with input as model({})
	count(results) == 1
	some r in results
	r.resource == ref("Namespace", "", "payments")
	r.path == ["metadata"]
	contains(r.msg, "namespace payments is in the CDE")
	contains(r.not_assessed, "the mesh config (ConfigMap istio in istio-system, or an IstioOperator) is not in the input")

	# With a REGISTRY_ONLY Sidecar in the namespace there is nothing to assess.
	count(egr_01.deny) == 0 with input as model({"sidecars": [sidecar("payments", {}, "REGISTRY_ONLY")]})
}

test_unreadable_mesh_config_is_not_assessed if {
	mc := object.union(mesh_config("", false), {"error": "data.mesh is not valid YAML"})
	results := egr_01.deny with input as model({"mesh_config": mc})
	count(results) == 1
	some r in results
	r.not_assessed == "the mesh config could not be read: data.mesh is not valid YAML"
}

# Istio's Sidecar reference: "A Sidecar configuration in the MeshConfig root
# namespace will be applied by default to all namespaces without a Sidecar
# configuration." A namespace with its own default Sidecar that keeps
# ALLOW_ANY is not covered by the root namespace's REGISTRY_ONLY Sidecar.
# Fails: registry_only(ns) accepts the root namespace's Sidecar even when the
# namespace has its own (rule bug, reported).
test_namespace_sidecar_overrides_root_default if {
	sidecars := [sidecar("istio-system", {}, "REGISTRY_ONLY"), sidecar("payments", {}, "ALLOW_ANY")]
	count(egr_01.deny) == 1 with input as model({"mesh_config": mesh_config("ALLOW_ANY", false), "sidecars": sidecars})
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "v1",
		"kind": "ConfigMap",
		"metadata": {"name": "istio", "namespace": "istio-system"},
		"data": {"mesh": "outboundTrafficPolicy:\n  mode: ALLOW_ANY"},
	}
	count(egr_01.deny) == 0 with input as manifest
}
