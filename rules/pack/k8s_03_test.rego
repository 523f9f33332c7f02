package meshproof.k8s_03_test

import data.meshproof.k8s_03

deployment(pod_sc, containers, init) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "payments-api", "namespace": "payments"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "payments-api"}},
		"spec": {"securityContext": pod_sc, "containers": containers, "initContainers": init},
	}},
}

container(name, sc) := {"name": name, "image": "registry.example.com/app:1.0", "securityContext": sc}

test_run_as_user_zero if {
	results := k8s_03.deny with input as deployment({"runAsNonRoot": true}, [container("api", {"runAsUser": 0})], [])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "containers", "0", "securityContext", "runAsUser"]
	r.key == "api"
	contains(r.msg, "container \"api\" of Deployment payments/payments-api runs as root (runAsUser: 0)")
}

test_uid_zero_at_pod_level_wins_over_run_as_non_root if {
	results := k8s_03.deny with input as deployment({"runAsNonRoot": true, "runAsUser": 0}, [container("agent", {})], [])
	some r in results
	r.path == ["spec", "template", "spec", "securityContext", "runAsUser"]
}

test_run_as_non_root_false if {
	results := k8s_03.deny with input as deployment({"runAsNonRoot": false}, [container("toolbox", {})], [])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "securityContext", "runAsNonRoot"]
	contains(r.msg, "may run as root (runAsNonRoot: false)")

	# A container's own false wins over the pod's true, even with a non-zero UID.
	count(k8s_03.deny) == 1 with input as deployment({"runAsNonRoot": true}, [container("log", {"runAsNonRoot": false, "runAsUser": 10001})], [])
}

test_run_as_non_root_not_set if {
	results := k8s_03.deny with input as deployment({}, [container("api", {"runAsNonRoot": true})], [container("schema", {})])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "initContainers", "0"]
	r.key == "schema"
	contains(r.msg, "may run as root (runAsNonRoot: true is not set)")
}

test_non_root_settings_pass if {
	count(k8s_03.deny) == 0 with input as deployment({"runAsNonRoot": true, "runAsUser": 10001}, [container("api", {})], [])
	count(k8s_03.deny) == 0 with input as deployment({"runAsNonRoot": false}, [container("api", {"runAsNonRoot": true})], [])
}

test_mesh_init_and_gateway_proxy_placeholder if {
	istio_init := container("istio-init", {"runAsUser": 0, "runAsNonRoot": false})
	proxy := {"name": "istio-proxy", "image": "auto"}
	count(k8s_03.deny) == 0 with input as deployment({"runAsNonRoot": false}, [proxy], [istio_init])

	# The placeholder may still be forced to root explicitly.
	forced := object.union(proxy, {"securityContext": {"runAsUser": 0}})
	count(k8s_03.deny) == 1 with input as deployment({}, [forced], [])
}

test_non_workloads_ignored if {
	d := deployment({}, [container("api", {"runAsUser": 0})], [])
	count(k8s_03.deny) == 0 with input as object.union(d, {"apiVersion": "example.com/v1"})
	count(k8s_03.deny) == 0 with input as object.union(d, {"apiVersion": "v1", "kind": "Service"})
}
