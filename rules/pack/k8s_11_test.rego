package meshproof.k8s_11_test

import data.meshproof.k8s_11

workload(scope, gateway) := {
	"ref": {"id": 1, "api_version": "apps/v1", "kind": "Deployment", "namespace": "payments", "name": "ledger"},
	"namespace": "payments",
	"scope": scope,
	"gateway": gateway,
}

service(type, ips) := {
	"ref": {"id": 2, "api_version": "v1", "kind": "Service", "namespace": "payments", "name": "ledger"},
	"namespace": "payments",
	"type": type,
	"external_ips": ips,
	"workloads": [0],
}

model(w, s) := {"meshproof_model": 1, "workloads": [w], "services": [s]}

test_load_balancer_for_cde if {
	results := k8s_11.deny with input as model(workload("cde", false), service("LoadBalancer", []))
	count(results) == 1
	some r in results
	r.path == ["spec", "type"]
	r.key == "LoadBalancer"
	contains(r.msg, "Service payments/ledger of type LoadBalancer exposes CDE workloads Deployment payments/ledger outside the cluster")
}

test_node_port_and_external_ips if {
	results := k8s_11.deny with input as model(workload("cde", false), service("NodePort", ["203.0.113.10"]))
	count(results) == 2
	some r in results
	r.path == ["spec", "externalIPs"]
	contains(r.msg, "accepts traffic on external IPs 203.0.113.10")
}

test_cluster_ip_gateway_and_out_of_scope_pass if {
	count(k8s_11.deny) == 0 with input as model(workload("cde", false), service("ClusterIP", []))
	count(k8s_11.deny) == 0 with input as model(workload("cde", true), service("LoadBalancer", []))
	count(k8s_11.deny) == 0 with input as model(workload("out", false), service("LoadBalancer", ["203.0.113.10"]))
}
