package meshproof.k8s_01_test

import data.meshproof.k8s_01

deployment(spec) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "agent", "namespace": "ops"},
	"spec": {"template": {"metadata": {"labels": {"app": "agent"}}, "spec": spec}},
}

container(name, sc) := {"name": name, "image": "registry.example.com/agent:1.0", "securityContext": sc}

test_privileged_container if {
	results := k8s_01.deny with input as deployment({"containers": [container("agent", {"privileged": true})]})
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "containers", "0", "securityContext", "privileged"]
	r.key == "agent"
	contains(r.msg, "container \"agent\" of Deployment agent runs privileged")
}

test_init_and_ephemeral_containers if {
	spec := {
		"initContainers": [container("setup", {"privileged": true})],
		"containers": [container("agent", {})],
		"ephemeralContainers": [container("debugger", {"privileged": true})],
	}
	results := k8s_01.deny with input as deployment(spec)
	{r.key | some r in results} == {"setup", "debugger"}
	some r in results
	r.key == "debugger"
	r.path == ["spec", "template", "spec", "ephemeralContainers", "0", "securityContext", "privileged"]
}

test_cronjob_path if {
	cronjob := {
		"apiVersion": "batch/v1",
		"kind": "CronJob",
		"metadata": {"name": "sweep", "namespace": "ops"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [container("sweep", {"privileged": true})]}}}}},
	}
	results := k8s_01.deny with input as cronjob
	some r in results
	r.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", "0", "securityContext", "privileged"]
}

test_unprivileged_containers_pass if {
	containers := [
		container("a", {"privileged": false}),
		container("b", {"privileged": "true"}),
		container("c", {}),
		{"name": "d", "image": "registry.example.com/d:1.0"},
	]
	count(k8s_01.deny) == 0 with input as deployment({"containers": containers})
}

test_non_workloads_ignored if {
	d := deployment({"containers": [container("agent", {"privileged": true})]})
	count(k8s_01.deny) == 0 with input as object.union(d, {"apiVersion": "example.com/v1"})
	count(k8s_01.deny) == 0 with input as object.union(d, {"apiVersion": "v1", "kind": "ConfigMap"})
}
