package meshproof.k8s_05_test

import data.meshproof.k8s_05

deployment(containers, init) := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "payments-api", "namespace": "payments"},
	"spec": {"template": {"spec": {"containers": containers, "initContainers": init}}},
}

container(name, add) := {
	"name": name,
	"image": "registry.example.com/app:1.0",
	"securityContext": {"capabilities": {"drop": ["ALL"], "add": add}},
}

test_dangerous_capabilities_added if {
	results := k8s_05.deny with input as deployment([container("api", ["NET_BIND_SERVICE", "CAP_SYS_PTRACE", "perfmon"])], [])
	count(results) == 2
	some r in results
	r.path == ["spec", "template", "spec", "containers", "0", "securityContext", "capabilities", "add", "1"]
	r.key == "api/SYS_PTRACE"
	contains(r.msg, "container \"api\" of Deployment payments/payments-api adds the dangerous capability SYS_PTRACE")
}

test_application_init_container_with_network_capabilities if {
	results := k8s_05.deny with input as deployment([], [container("route-setup", ["NET_ADMIN", "NET_RAW"])])
	{r.key | some r in results} == {"route-setup/NET_ADMIN", "route-setup/NET_RAW"}
}

test_every_listed_capability if {
	caps := ["ALL", "BPF", "DAC_READ_SEARCH", "MAC_ADMIN", "MAC_OVERRIDE", "SYS_ADMIN", "SYS_BOOT", "SYS_MODULE", "SYS_RAWIO", "SYS_TIME"]
	count(k8s_05.deny) == count(caps) with input as deployment([container("agent", caps)], [])
}

test_mesh_init_containers_exempt if {
	init := [
		container("istio-init", ["NET_ADMIN", "NET_RAW"]),
		container("istio-validation", ["NET_ADMIN"]),
		container("linkerd-init", ["NET_ADMIN", "NET_RAW"]),
	]
	count(k8s_05.deny) == 0 with input as deployment([container("app", [])], init)

	# The same name among the regular containers is not exempt.
	count(k8s_05.deny) == 1 with input as deployment([container("istio-init", ["NET_ADMIN"])], [])
}

test_harmless_and_dropped_capabilities_pass if {
	dropper := {"name": "sidecar", "image": "registry.example.com/s:1.0", "securityContext": {"capabilities": {"drop": ["NET_RAW", "SYS_ADMIN"]}}}
	count(k8s_05.deny) == 0 with input as deployment([container("web", ["NET_BIND_SERVICE", "CHOWN"]), dropper], [])
}

test_non_workloads_ignored if {
	d := deployment([container("api", ["SYS_ADMIN"])], [])
	count(k8s_05.deny) == 0 with input as object.union(d, {"apiVersion": "example.com/v1"})
}
