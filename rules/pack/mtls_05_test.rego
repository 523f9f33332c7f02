package meshproof.mtls_05_test

import data.meshproof.mtls_05

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

legacy := ref("PeerAuthentication", "payments", "ledger-legacy")

workload(kind, name, mtls) := {
	"ref": ref(kind, "payments", name),
	"namespace": "payments",
	"labels": {"app": name},
	"mtls": object.union({"ports": {}, "ambiguous": false}, mtls),
	"template_path": ["spec", "template"],
}

model(ns_mode, workloads) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {"payments": {"name": "payments", "declared": true, "mode": ns_mode}},
	"workloads": workloads,
}

test_workload_policy_lowers_the_namespace_mode if {
	w := workload("Deployment", "ledger", {"mode": "PERMISSIVE", "level": "workload", "workload_policy": legacy})
	results := mtls_05.deny with input as model("STRICT", [w])
	count(results) == 1
	some r in results
	r.resource == legacy
	r.path == ["spec", "mtls", "mode"]
	r.key == "ledger"
	contains(r.msg, "PeerAuthentication payments/ledger-legacy lowers Deployment ledger from STRICT to PERMISSIVE")
}

test_port_level_setting_lowers_the_mode if {
	metrics := ref("PeerAuthentication", "payments", "vault-metrics")
	w := workload("Pod", "vault-0", {
		"mode": "STRICT",
		"level": "namespace",
		"workload_policy": metrics,
		"ports": {"9102": "DISABLE", "8200": "STRICT"},
	})
	results := mtls_05.deny with input as model("STRICT", [w])
	count(results) == 1
	some r in results
	r.resource == metrics
	r.path == ["spec", "portLevelMtls", "9102"]
	r.key == "vault-0:9102"
	contains(r.msg, "lowers port 9102 of Pod vault-0 from STRICT to DISABLE")
}

test_disable_under_permissive_is_lowered_too if {
	w := workload("Deployment", "ledger", {"mode": "DISABLE", "level": "workload", "workload_policy": legacy})
	count(mtls_05.deny) == 1 with input as model("PERMISSIVE", [w])
}

test_raising_or_keeping_the_mode_passes if {
	raised := workload("Deployment", "ledger", {"mode": "STRICT", "level": "workload", "workload_policy": legacy, "ports": {"8080": "STRICT"}})
	count(mtls_05.deny) == 0 with input as model("PERMISSIVE", [raised])
	kept := workload("Deployment", "ledger", {"mode": "STRICT", "level": "workload", "workload_policy": legacy})
	count(mtls_05.deny) == 0 with input as model("STRICT", [kept])
}

test_inherited_modes_not_reported if {
	w := workload("Deployment", "ledger", {"mode": "PERMISSIVE", "level": "namespace"})
	count(mtls_05.deny) == 0 with input as model("PERMISSIVE", [w])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "security.istio.io/v1",
		"kind": "PeerAuthentication",
		"metadata": {"name": "ledger-legacy", "namespace": "payments"},
		"spec": {"selector": {"matchLabels": {"app": "ledger"}}, "mtls": {"mode": "PERMISSIVE"}},
	}
	count(mtls_05.deny) == 0 with input as manifest
}
