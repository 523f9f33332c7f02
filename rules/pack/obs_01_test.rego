package meshproof.obs_01_test

import data.meshproof.obs_01

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

namespace(name, scope) := {
	"name": name,
	"declared": true,
	"ref": ref("Namespace", "", name),
	"labels": {},
	"annotations": {},
	"scope": scope,
}

# telemetry is a Telemetry resource that turns access logs on (true), off
# (false), or says nothing of them (null).
telemetry(ns, name, selector, on) := object.union(base_telemetry(ns, name, selector, on), disabled_path(on))

base_telemetry(ns, name, selector, on) := {"ref": ref("Telemetry", ns, name), "namespace": ns, "selector": selector, "access_logging": on}

disabled_path(on) := {"disabled_path": ["spec", "accessLogging", "0", "disabled"]} if on == false

disabled_path(on) := {} if on != false

mesh_config(file, providers) := {
	"ref": ref("ConfigMap", "istio-system", "istio"),
	"path": ["data", "mesh"],
	"outbound_mode": "ALLOW_ANY",
	"outbound_set": false,
	"extension_providers": [],
	"access_log_file": file,
	"default_access_log_providers": providers,
}

model(parts) := object.union(
	{
		"meshproof_model": 1,
		"root_namespace": "istio-system",
		"namespaces": {"payments": namespace("payments", "cde"), "shop": namespace("shop", "out")},
		"telemetries": [],
	},
	parts,
)

test_telemetry_disables_logs_for_a_cde_namespace if {
	telemetries := [telemetry("istio-system", "mesh-default", {}, true), telemetry("payments", "quiet", {}, false)]
	results := obs_01.deny with input as model({"telemetries": telemetries})
	count(results) == 1
	some r in results
	r.resource == ref("Telemetry", "payments", "quiet")
	r.path == ["spec", "accessLogging", "0", "disabled"]
	r.key == "payments"
	contains(r.msg, "Telemetry payments/quiet disables access logging for namespace payments, which is in the CDE")
	not r.not_assessed
}

test_root_namespace_telemetry_overrides_the_mesh_config if {
	parts := {"mesh_config": mesh_config("/dev/stdout", []), "telemetries": [telemetry("istio-system", "off", {}, false)]}
	results := obs_01.deny with input as model(parts)
	count(results) == 1
	some r in results
	r.resource == ref("Telemetry", "istio-system", "off")

	# The namespace's own Telemetry wins over the root namespace's.
	on := object.union(parts, {"telemetries": [telemetry("istio-system", "off", {}, false), telemetry("payments", "on", {}, true)]})
	count(obs_01.deny) == 0 with input as model(on)
}

test_mesh_config_without_access_logs if {
	results := obs_01.deny with input as model({"mesh_config": mesh_config("", [])})
	count(results) == 1
	some r in results
	r.resource == ref("ConfigMap", "istio-system", "istio")
	r.path == ["data", "mesh"]
	r.key == "payments"
	contains(r.msg, "no access logging for namespace payments (CDE): ConfigMap istio-system/istio sets no accessLogFile or default access-log provider")
	not r.not_assessed
}

test_mesh_config_or_telemetry_enables_logs if {
	count(obs_01.deny) == 0 with input as model({"mesh_config": mesh_config("/dev/stdout", [])})
	count(obs_01.deny) == 0 with input as model({"mesh_config": mesh_config("", ["envoy"])})
	count(obs_01.deny) == 0 with input as model({"telemetries": [telemetry("istio-system", "mesh-default", {}, true)]})
}

test_nothing_known_is_not_assessed if {
	results := obs_01.deny with input as model({})
	count(results) == 1
	some r in results
	r.resource == ref("Namespace", "", "payments")
	r.path == ["metadata"]
	contains(r.msg, "whether namespace payments (CDE) has access logs cannot be told")
	contains(r.not_assessed, "the mesh config (accessLogFile, defaultProviders) is not in the input")

	broken := object.union(mesh_config("", []), {"error": "data.mesh is not valid YAML"})
	some b in obs_01.deny with input as model({"mesh_config": broken})
	b.not_assessed
}

test_selector_telemetry_silent_telemetry_and_out_of_scope_ignored if {
	telemetries := [
		telemetry("payments", "one-workload", {"app": "ledger"}, false),
		telemetry("payments", "metrics-only", {}, null),
		telemetry("shop", "quiet", {}, false),
	]
	count(obs_01.deny) == 0 with input as model({"mesh_config": mesh_config("/dev/stdout", []), "telemetries": telemetries})
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "telemetry.istio.io/v1",
		"kind": "Telemetry",
		"metadata": {"name": "quiet", "namespace": "payments"},
		"spec": {"accessLogging": [{"disabled": true}]},
	}
	count(obs_01.deny) == 0 with input as manifest
}
