package meshproof.k8s_04_test

import data.meshproof.k8s_04

deployment(spec) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "card-vault", "namespace": "payments"},
	"spec": {"template": {"metadata": {"labels": {"app": "card-vault"}}, "spec": spec}},
}

container(name, sc) := {"name": name, "image": "registry.example.com/app:1.0", "securityContext": sc}

test_escalation_explicitly_allowed if {
	results := k8s_04.deny with input as deployment({"containers": [container("vault", {"allowPrivilegeEscalation": true})]})
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "containers", "0", "securityContext", "allowPrivilegeEscalation"]
	r.key == "vault"
	contains(r.msg, "container \"vault\" of Deployment payments/card-vault allows privilege escalation (allowPrivilegeEscalation: true)")
}

test_field_not_set if {
	results := k8s_04.deny with input as deployment({"initContainers": [container("wait-for-db", {})], "containers": []})
	count(results) == 1
	some r in results
	r.path == ["spec", "template", "spec", "initContainers", "0"]
	contains(r.msg, "allowPrivilegeEscalation: false is not set")
}

test_privileged_and_sys_admin_override_the_field if {
	privileged := container("sniffer", {"privileged": true, "allowPrivilegeEscalation": false})
	sys_admin := container("fuse", {"allowPrivilegeEscalation": false, "capabilities": {"add": ["NET_BIND_SERVICE", "cap_sys_admin"]}})
	results := k8s_04.deny with input as deployment({"containers": [privileged, sys_admin]})
	count(results) == 2
	some p in results
	p.key == "sniffer"
	p.path == ["spec", "template", "spec", "containers", "0", "securityContext", "privileged"]
	contains(p.msg, "it is privileged")
	some s in results
	s.key == "fuse"
	s.path == ["spec", "template", "spec", "containers", "1", "securityContext", "capabilities", "add", "1"]
	contains(s.msg, "it adds capability cap_sys_admin")
}

test_false_passes if {
	c := container("api", {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})
	count(k8s_04.deny) == 0 with input as deployment({"containers": [c]})
}

test_windows_pods_and_gateway_placeholder if {
	count(k8s_04.deny) == 0 with input as deployment({"os": {"name": "windows"}, "containers": [container("iis", {})]})
	proxy := {"name": "istio-proxy", "image": "auto"}
	count(k8s_04.deny) == 0 with input as deployment({"containers": [proxy]})
	forced := object.union(proxy, {"securityContext": {"allowPrivilegeEscalation": true}})
	count(k8s_04.deny) == 1 with input as deployment({"containers": [forced]})
}

test_non_workloads_ignored if {
	d := deployment({"containers": [container("api", {})]})
	count(k8s_04.deny) == 0 with input as object.union(d, {"apiVersion": "example.com/v1"})
	count(k8s_04.deny) == 0 with input as object.union(d, {"apiVersion": "v1", "kind": "ConfigMap"})
}
