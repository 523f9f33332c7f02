package meshproof.egr_06_test

import data.meshproof.egr_06

ref(kind, ns, name) := {"id": 0, "api_version": "networking.istio.io/v1", "kind": kind, "namespace": ns, "name": name}

port(number, protocol) := {"number": number, "protocol": protocol, "name": lower(protocol)}

entry(location, ports, tls) := {
	"ref": ref("ServiceEntry", "payments", "partner-api"),
	"namespace": "payments",
	"hosts": ["api.partner.example"],
	"location": location,
	"ports": ports,
	"tls_by_port": tls,
}

model(entries) := {"meshproof_model": 1, "service_entries": entries}

test_http_port_without_tls_origination if {
	e := entry("MESH_EXTERNAL", [port(80, "HTTP"), port(443, "HTTPS")], [{"port": 80, "mode": ""}, {"port": 443, "mode": ""}])
	results := egr_06.deny with input as model([e])
	count(results) == 1
	some r in results
	r.resource == ref("ServiceEntry", "payments", "partner-api")
	r.path == ["spec", "ports", "0", "protocol"]
	r.key == "80"
	contains(r.msg, "ServiceEntry payments/partner-api sends port 80 (HTTP) to api.partner.example without TLS origination")
	contains(r.msg, "requests leave the mesh in cleartext")
}

test_tcp_port_and_disabled_origination if {
	e := entry("MESH_EXTERNAL", [port(5432, "TCP"), port(9187, "HTTP")], [{"port": 5432, "mode": ""}, {"port": 9187, "mode": "DISABLE"}])
	results := egr_06.deny with input as model([e])
	{r.key | some r in results} == {"5432", "9187"}
	some r in results
	r.key == "5432"
	r.path == ["spec", "ports", "0", "protocol"]
	contains(r.msg, "cleartext unless it speaks TLS itself")
}

test_tls_origination_passes if {
	every mode in ["SIMPLE", "MUTUAL", "ISTIO_MUTUAL"] {
		e := entry("MESH_EXTERNAL", [port(80, "HTTP")], [{"port": 80, "mode": mode}])
		count(egr_06.deny) == 0 with input as model([e])
	}
}

test_encrypted_protocols_and_mesh_internal_entries_pass if {
	encrypted := entry("MESH_EXTERNAL", [port(443, "HTTPS"), port(8443, "TLS")], [{"port": 443, "mode": ""}, {"port": 8443, "mode": ""}])
	count(egr_06.deny) == 0 with input as model([encrypted])
	internal := entry("MESH_INTERNAL", [port(8080, "HTTP")], [{"port": 8080, "mode": ""}])
	count(egr_06.deny) == 0 with input as model([internal])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "networking.istio.io/v1",
		"kind": "ServiceEntry",
		"metadata": {"name": "partner-api", "namespace": "payments"},
		"spec": {"hosts": ["api.partner.example"], "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}]},
	}
	count(egr_06.deny) == 0 with input as manifest
}
