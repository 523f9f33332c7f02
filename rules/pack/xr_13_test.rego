package meshproof.xr_13_test

import data.meshproof.xr_13

ref(kind, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": "payments", "name": name}

workload(scope, annotations) := {
	"ref": ref("Deployment", "ledger"),
	"namespace": "payments",
	"scope": scope,
	"mesh": "linkerd",
	"annotations": annotations,
	"template_path": ["spec", "template"],
	"ports": [{"port": 8080, "name": "http"}, {"port": 9090}],
}

server(name, port, authorizations) := {
	"ref": ref("Server", name),
	"namespace": "payments",
	"port": port,
	"access_policy": "deny",
	"workloads": [0],
	"authorizations": authorizations,
}

model(w, servers, ns_annotations) := {
	"meshproof_model": 1,
	"namespaces": {"payments": {"name": "payments", "annotations": ns_annotations}},
	"workloads": [w],
	"linkerd": {"servers": servers},
}

authorized := [ref("AuthorizationPolicy", "ledger")]

deny_ns := {"config.linkerd.io/default-inbound-policy": "deny"}

test_unauthorized_server if {
	results := xr_13.deny with input as model(workload("cde", {}), [server("ledger-http", "http", []), server("ledger-admin", "9090", authorized)], deny_ns)
	count(results) == 1
	some r in results
	r.resource == ref("Server", "ledger-http")
	r.path == ["metadata", "name"]
	contains(r.msg, "Server payments/ledger-http covers port http of CDE workloads Deployment payments/ledger, but no AuthorizationPolicy in force and no ServerAuthorization authorizes it")
}

test_uncovered_port_under_cluster_default if {
	results := xr_13.deny with input as model(workload("cde", {}), [server("ledger-http", "http", authorized)], {})
	count(results) == 1
	some r in results
	r.resource == ref("Deployment", "ledger")
	r.path == ["spec", "template", "spec", "containers"]
	r.key == "9090"
	contains(r.msg, "port 9090 of Deployment payments/ledger is in the CDE but no Linkerd Server covers it, so the default inbound policy the cluster default")
}

test_pod_annotation_wins_over_namespace if {
	pod_open := workload("cde", {"config.linkerd.io/default-inbound-policy": "audit"})
	results := xr_13.deny with input as model(pod_open, [], deny_ns)
	count(results) == 2
	pod_closed := workload("cde", {"config.linkerd.io/default-inbound-policy": "cluster-authenticated"})
	count(xr_13.deny) == 0 with input as model(pod_closed, [], {"config.linkerd.io/default-inbound-policy": "all-unauthenticated"})
}

test_covered_and_authorized_passes if {
	servers := [server("ledger-http", "http", authorized), server("ledger-admin", "9090", authorized)]
	count(xr_13.deny) == 0 with input as model(workload("cde", {}), servers, {})
}

test_outside_cde_and_other_meshes_pass if {
	count(xr_13.deny) == 0 with input as model(workload("out", {}), [server("ledger-http", "http", [])], {})
	istio := object.union(workload("cde", {}), {"mesh": "istio"})
	count(xr_13.deny) == 0 with input as model(istio, [server("ledger-http", "http", [])], {})
}

test_open_access_policy_is_left_to_lnk_05 if {
	open := object.union(server("ledger-http", "http", []), {"access_policy": "all-authenticated"})
	count(xr_13.deny) == 0 with input as model(workload("cde", {}), [open, server("a", "9090", authorized)], deny_ns)
}
