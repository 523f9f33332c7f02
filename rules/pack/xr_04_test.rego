package meshproof.xr_04_test

import data.meshproof.xr_04

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

workload(mesh, mtls) := {
	"ref": ref("Deployment", "payments", "ledger"),
	"namespace": "payments",
	"labels": {"app": "ledger"},
	"mesh": mesh,
	"mtls": object.union({"level": "namespace", "ports": {}}, mtls),
}

service := {
	"ref": ref("Service", "payments", "ledger"),
	"namespace": "payments",
	"type": "ClusterIP",
	"hosts": ["ledger.payments.svc.cluster.local"],
	"ports": [{"port": 80, "target_port": "8080", "name": "http"}, {"port": 9090, "target_port": "9090", "name": "metrics"}],
	"workloads": [0],
}

tls(mode, port) := {"path": ["spec", "trafficPolicy", "tls"], "mode": mode} if {
	port == 0
} else := {"path": ["spec", "trafficPolicy", "portLevelSettings", "0", "tls"], "mode": mode, "port": port}

model(w, levels) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"workloads": [w],
	"services": [service],
	"destination_rules": [{
		"ref": ref("DestinationRule", "shop", "ledger"),
		"namespace": "shop",
		"host": "ledger.payments.svc.cluster.local",
		"services": [0],
		"tls": levels,
	}],
}

strict := workload("istio", {"mode": "STRICT"})

test_disable_towards_a_strict_workload if {
	results := xr_04.deny with input as model(strict, [tls("DISABLE", 0)])
	count(results) == 1
	some r in results
	r.resource == ref("DestinationRule", "shop", "ledger")
	r.path == ["spec", "trafficPolicy", "tls"]
	r.key == "spec.trafficPolicy.tls:payments/ledger:ledger"
	contains(r.msg, "DestinationRule shop/ledger sets tls.mode DISABLE for Service payments/ledger, whose workload ledger accepts only Istio mTLS (STRICT)")
}

test_application_tls_towards_a_strict_workload if {
	count(xr_04.deny) == 1 with input as model(strict, [tls("SIMPLE", 0)])
	count(xr_04.deny) == 1 with input as model(workload("ambient", {"mode": "STRICT"}), [tls("MUTUAL", 0)])
}

test_istio_mutual_passes if {
	count(xr_04.deny) == 0 with input as model(strict, [tls("ISTIO_MUTUAL", 0)])
}

test_port_level_setting_uses_the_target_port_mode if {
	w := workload("istio", {"mode": "STRICT", "ports": {"9090": "PERMISSIVE"}})
	count(xr_04.deny) == 0 with input as model(w, [tls("DISABLE", 9090)])
	results := xr_04.deny with input as model(w, [tls("DISABLE", 80)])
	count(results) == 1
	some r in results
	r.path == ["spec", "trafficPolicy", "portLevelSettings", "0", "tls"]

	# A port the Service does not have targets nothing.
	count(xr_04.deny) == 0 with input as model(w, [tls("DISABLE", 8443)])
}

test_permissive_or_unmeshed_workloads_pass if {
	count(xr_04.deny) == 0 with input as model(workload("istio", {"mode": "PERMISSIVE"}), [tls("DISABLE", 0)])
	count(xr_04.deny) == 0 with input as model(workload("none", {"mode": "STRICT"}), [tls("DISABLE", 0)])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "networking.istio.io/v1",
		"kind": "DestinationRule",
		"metadata": {"name": "ledger", "namespace": "shop"},
		"spec": {"host": "ledger.payments.svc.cluster.local", "trafficPolicy": {"tls": {"mode": "DISABLE"}}},
	}
	count(xr_04.deny) == 0 with input as manifest
}
