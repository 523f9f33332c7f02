package meshproof.xr_02_test

import data.meshproof.xr_02

ref(kind, ns, name) := {"id": 0, "api_version": "apps/v1", "kind": kind, "namespace": ns, "name": name}

workload(kind, path, host_network) := {
	"ref": ref(kind, "payments", "collector"),
	"namespace": "payments",
	"labels": {"app": "collector"},
	"host_network": host_network,
	"mesh": "none",
	"template_path": path,
}

model(injection, workloads) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {"payments": {"name": "payments", "declared": true, "injection": injection}},
	"workloads": workloads,
}

test_host_network_in_injected_namespace if {
	results := xr_02.deny with input as model("istio", [workload("DaemonSet", ["spec", "template"], true)])
	count(results) == 1
	some r in results
	r.resource == ref("DaemonSet", "payments", "collector")
	r.path == ["spec", "template", "spec", "hostNetwork"]
	r.key == ""
	contains(r.msg, "DaemonSet payments/collector uses hostNetwork, so it is never injected although namespace payments is meshed")
}

test_pod_in_revision_or_linkerd_namespace if {
	pod := workload("Pod", [], true)
	results := xr_02.deny with input as model("istio-revision", [pod])
	some r in results
	r.path == ["spec", "hostNetwork"]
	count(xr_02.deny) == 1 with input as model("linkerd", [pod])
}

test_unmeshed_namespaces_ignored if {
	w := workload("DaemonSet", ["spec", "template"], true)
	every injection in ["none", "disabled", "unknown"] {
		count(xr_02.deny) == 0 with input as model(injection, [w])
	}
}

test_pods_without_host_network_pass if {
	count(xr_02.deny) == 0 with input as model("istio", [workload("DaemonSet", ["spec", "template"], false)])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "apps/v1",
		"kind": "DaemonSet",
		"metadata": {"name": "collector", "namespace": "payments"},
		"spec": {"template": {"spec": {"hostNetwork": true, "containers": []}}},
	}
	count(xr_02.deny) == 0 with input as manifest
}
