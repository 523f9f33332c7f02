package meshproof.xr_10_test

import data.meshproof.xr_10

ref(name) := {"id": 0, "api_version": "networking.istio.io/v1", "kind": "ServiceEntry", "namespace": "payments", "name": name}

port(number, protocol) := {"number": number, "protocol": protocol, "name": lower(protocol)}

entry(ports, extra) := object.union(
	{
		"ref": ref("payments-db"),
		"namespace": "payments",
		"hosts": ["payments-db.db.internal"],
		"location": "MESH_EXTERNAL",
		"ports": ports,
		"egress_policies": [],
	},
	extra,
)

model(entries) := {"meshproof_model": 1, "root_namespace": "istio-system", "service_entries": entries}

test_database_port_without_egress_authorization if {
	results := xr_10.deny with input as model([entry([port(5432, "TCP")], {})])
	count(results) == 1
	some r in results
	r.resource == ref("payments-db")
	r.path == ["spec", "hosts"]
	r.key == ""
	contains(r.msg, "ServiceEntry payments/payments-db opens payments-db.db.internal (port 5432) to every workload: no AuthorizationPolicy limits who may call it")
}

test_database_ports_by_number_and_tcp_or_tls_ports if {
	results := xr_10.deny with input as model([entry([port(6379, "REDIS"), port(443, "HTTPS"), port(9042, "TCP"), port(8443, "TLS")], {})])
	count(results) == 1
	some r in results
	contains(r.msg, "(port 6379, 9042, 8443)")
}

test_egress_policy_passes if {
	count(xr_10.deny) == 0 with input as model([entry([port(5432, "TCP")], {"egress_policies": [0]})])
}

test_http_apis_and_mesh_internal_entries_pass if {
	count(xr_10.deny) == 0 with input as model([entry([port(443, "HTTPS"), port(80, "HTTP")], {})])
	count(xr_10.deny) == 0 with input as model([entry([port(5432, "TCP")], {"location": "MESH_INTERNAL"})])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "networking.istio.io/v1",
		"kind": "ServiceEntry",
		"metadata": {"name": "payments-db", "namespace": "payments"},
		"spec": {"hosts": ["payments-db.db.internal"], "ports": [{"number": 5432, "name": "tcp", "protocol": "TCP"}]},
	}
	count(xr_10.deny) == 0 with input as manifest
}
