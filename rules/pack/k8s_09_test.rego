package meshproof.k8s_09_test

import data.meshproof.k8s_09

digest := "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"

deployment(containers) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "payments-api", "namespace": "payments"},
	"spec": {"template": {"spec": {"containers": containers}}},
}

container(name, image) := {"name": name, "image": image}

# why is the message for a single container with image.
why(image) := r.msg if {
	some r in k8s_09.deny with input as deployment([container("app", image)])
}

test_tag_without_digest if {
	results := k8s_09.deny with input as deployment([container("api", "registry.example.com:5000/payments/api:2.3.1")])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "containers", "0", "image"]
	r.key == "api"
	contains(r.msg, "container \"api\" of Deployment payments/payments-api uses image \"registry.example.com:5000/payments/api:2.3.1\" with a tag but no @sha256 digest")
}

test_latest_missing_tag_and_truncated_digest if {
	contains(why("registry.example.com/payments/migrate:latest"), "with the mutable tag latest and no digest")
	contains(why("redis"), "with no tag or digest (it resolves to latest)")
	contains(why("registry.example.com:5000/monitoring/statsd"), "with no tag or digest")
	contains(why("registry.example.com/payments/worker@sha256:0a1b2c3d"), "with a digest that is not a full sha256 digest")
}

test_init_containers_and_pods if {
	pod := {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "debug", "namespace": "payments"},
		"spec": {"initContainers": [container("shell", "docker.io/library/busybox:1.36")], "containers": []},
	}
	results := k8s_09.deny with input as pod
	some r in results
	r.path == ["spec", "initContainers", "0", "image"]
}

test_digests_pass if {
	containers := [
		container("migrate", concat("@", ["registry.example.com/payments/migrate", digest])),
		container("api", concat("@", ["registry.example.com:5000/payments/api:2.3.1", digest])),
	]
	count(k8s_09.deny) == 0 with input as deployment(containers)
}

test_gateway_placeholder_exempt if {
	count(k8s_09.deny) == 0 with input as deployment([container("istio-proxy", "auto")])
	count(k8s_09.deny) == 1 with input as deployment([container("app", "auto")])
}

test_non_workloads_ignored if {
	d := deployment([container("api", "registry.example.com/api:latest")])
	count(k8s_09.deny) == 0 with input as object.union(d, {"apiVersion": "example.com/v1"})
}
