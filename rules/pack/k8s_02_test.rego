package meshproof.k8s_02_test

import data.meshproof.k8s_02

daemonset(spec) := {
	"apiVersion": "apps/v1",
	"kind": "DaemonSet",
	"metadata": {"name": "node-exporter", "namespace": "monitoring"},
	"spec": {"template": {"spec": object.union({"containers": [{"name": "exporter", "image": "quay.example.com/exporter:1.8"}]}, spec)}},
}

test_host_network_and_pid if {
	results := k8s_02.deny with input as daemonset({"hostNetwork": true, "hostPID": true})
	count(results) == 2
	some r in results
	r.path == ["spec", "template", "spec", "hostNetwork"]
	r.key == "hostNetwork"
	contains(r.msg, "DaemonSet monitoring/node-exporter shares the node's network namespace (hostNetwork: true)")
}

test_pod_host_ipc if {
	pod := {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "shm-debug", "namespace": "payments"},
		"spec": {"hostIPC": true, "containers": [{"name": "debug", "image": "registry.example.com/debug:2.1"}]},
	}
	results := k8s_02.deny with input as pod
	count(results) == 1
	some r in results
	r.path == ["spec", "hostIPC"]
	r.key == "hostIPC"
	contains(r.msg, "shares the node's IPC namespace")
}

test_cronjob_path if {
	cronjob := {
		"apiVersion": "batch/v1",
		"kind": "CronJob",
		"metadata": {"name": "conntrack-dump", "namespace": "ops"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostPID": true, "containers": []}}}}},
	}
	results := k8s_02.deny with input as cronjob
	some r in results
	r.path == ["spec", "jobTemplate", "spec", "template", "spec", "hostPID"]
	contains(r.msg, "process (PID) namespace")
}

test_false_or_unset_pass if {
	count(k8s_02.deny) == 0 with input as daemonset({"hostNetwork": false, "hostPID": false, "hostIPC": false})
	count(k8s_02.deny) == 0 with input as daemonset({})
}

test_non_workloads_ignored if {
	cm := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"hostNetwork": "true"}}
	count(k8s_02.deny) == 0 with input as cm
	ds := daemonset({"hostNetwork": true})
	count(k8s_02.deny) == 0 with input as object.union(ds, {"apiVersion": "example.com/v1"})
}
