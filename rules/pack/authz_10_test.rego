package meshproof.authz_10_test

import data.meshproof.authz_10

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

custom(provider) := {
	"ref": ref("AuthorizationPolicy", "payments", "ext-authz"),
	"namespace": "payments",
	"action": "CUSTOM",
	"spec": object.union({"action": "CUSTOM", "rules": [{}]}, provider),
}

mesh_config(providers) := {
	"ref": ref("ConfigMap", "istio-system", "istio"),
	"extension_providers": providers,
}

model(p, mc) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"authorization_policies": [p],
	"mesh_config": mc,
}

model_without_mesh_config(p) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"authorization_policies": [p],
}

test_provider_not_defined if {
	results := authz_10.deny with input as model(custom({"provider": {"name": "opa"}}), mesh_config(["ext-authz-grpc"]))
	count(results) == 1
	some r in results
	r.path == ["spec", "provider", "name"]
	not r.not_assessed
	contains(r.msg, `names provider "opa", which ConfigMap istio-system/istio does not define in extensionProviders (it defines ext-authz-grpc)`)
}

test_no_providers_at_all if {
	results := authz_10.deny with input as model(custom({"provider": {"name": "opa"}}), mesh_config([]))
	some r in results
	contains(r.msg, "(it defines none)")
}

test_missing_provider_name if {
	results := authz_10.deny with input as model_without_mesh_config(custom({}))
	count(results) == 1
	some r in results
	contains(r.msg, "names no provider (spec.provider.name)")
}

test_defined_provider_passes if {
	count(authz_10.deny) == 0 with input as model(custom({"provider": {"name": "opa"}}), mesh_config(["opa", "other"]))
}

test_not_assessed_without_mesh_config if {
	results := authz_10.deny with input as model_without_mesh_config(custom({"provider": {"name": "opa"}}))
	count(results) == 1
	some r in results
	r.not_assessed == "the mesh config (ConfigMap istio in istio-system or an IstioOperator) is not in the input"
}

test_not_assessed_with_unreadable_mesh_config if {
	results := authz_10.deny with input as model(custom({"provider": {"name": "opa"}}), object.union(mesh_config([]), {"error": "data.mesh is not YAML"}))
	count(results) == 1
	some r in results
	r.not_assessed == "the mesh config could not be read: data.mesh is not YAML"
}

test_other_actions_ignored if {
	p := object.union(custom({"provider": {"name": "opa"}}), {"action": "ALLOW"})
	count(authz_10.deny) == 0 with input as model(p, mesh_config([]))
}
