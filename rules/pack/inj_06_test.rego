package meshproof.inj_06_test

import data.meshproof.inj_06

deployment(pod_sc, containers, init) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "helloworld", "namespace": "payments"},
	"spec": {"template": {
		"metadata": {"labels": {"app": "helloworld"}},
		"spec": {"securityContext": pod_sc, "containers": containers, "initContainers": init},
	}},
}

container(name, sc) := {"name": name, "image": "registry.example.com/app:1.0", "securityContext": sc}

test_pod_level_uid_1337 if {
	results := inj_06.deny with input as deployment({"runAsNonRoot": true, "runAsUser": 1337}, [container("helloworld", {})], [])
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "securityContext", "runAsUser"]
	r.key == "helloworld"
	contains(r.msg, "container \"helloworld\" of Deployment payments/helloworld runs as UID 1337, the Istio proxy's UID")
}

test_container_and_init_container_uid_1337 if {
	containers := [container("helloworld", {}), container("metrics", {"runAsUser": 1337})]
	init := [container("seed", {"runAsUser": 1337})]
	results := inj_06.deny with input as deployment({}, containers, init)
	{r.key | some r in results} == {"metrics", "seed"}
	some r in results
	r.key == "seed"
	r.path == ["spec", "template", "spec", "initContainers", "0", "securityContext", "runAsUser"]
}

test_container_uid_overrides_the_pod if {
	count(inj_06.deny) == 0 with input as deployment({"runAsUser": 1337}, [container("cache", {"runAsUser": 10001})], [])
}

test_proxy_and_mesh_init_containers_exempt if {
	proxy := container("istio-proxy", {"runAsUser": 1337, "runAsGroup": 1337})
	validation := container("istio-validation", {"runAsUser": 1337})
	count(inj_06.deny) == 0 with input as deployment({}, [container("app", {}), proxy], [validation])

	# The mesh init container's name only counts among the init containers.
	count(inj_06.deny) == 1 with input as deployment({}, [validation], [])
}

test_other_uids_and_kinds_pass if {
	count(inj_06.deny) == 0 with input as deployment({"runAsUser": 1338, "runAsGroup": 1337}, [container("app", {})], [])
	count(inj_06.deny) == 0 with input as deployment({"runAsUser": "1337"}, [container("app", {})], [])
	cm := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "uid"}, "data": {"runAsUser": "1337"}}
	count(inj_06.deny) == 0 with input as cm
}
