package meshproof.tls_03_test

import data.meshproof.tls_03

destination_rule(spec) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "DestinationRule",
	"metadata": {"name": "acquirer", "namespace": "egress"},
	"spec": object.union({"host": "api.acquirer.example.com"}, spec),
}

top(tls) := destination_rule({"trafficPolicy": {"tls": tls}})

test_simple_without_a_ca if {
	results := tls_03.deny with input as top({"mode": "SIMPLE", "sni": "api.acquirer.example.com"})
	count(results) == 1
	some r in results
	r.path == ["spec", "trafficPolicy", "tls", "mode"]
	r.key == "trafficPolicy"
	contains(r.msg, "DestinationRule egress/acquirer originates SIMPLE TLS (trafficPolicy) to host api.acquirer.example.com without caCertificates or credentialName")
}

test_mutual_at_port_and_subset_levels if {
	client := {"mode": "MUTUAL", "clientCertificate": "/etc/certs/client.pem", "privateKey": "/etc/certs/client-key.pem"}
	spec := {
		"trafficPolicy": {"portLevelSettings": [{"port": {"number": 8443}, "tls": client}]},
		"subsets": [{"name": "eu", "trafficPolicy": {
			"tls": {"mode": "SIMPLE", "subjectAltNames": ["api.eu.acquirer.example.com"]},
			"portLevelSettings": [{"port": {"number": 9443}, "tls": object.union(client, {"caCertificates": ""})}],
		}}],
	}
	results := tls_03.deny with input as destination_rule(spec)
	{r.key | some r in results} == {"trafficPolicy port 8443", "subset eu", "subset eu port 9443"}
	some r in results
	r.key == "subset eu"
	r.path == ["spec", "subsets", "0", "trafficPolicy", "tls", "mode"]
}

test_ca_file_or_credential_passes if {
	count(tls_03.deny) == 0 with input as top({"mode": "SIMPLE", "caCertificates": "/etc/acquirer/ca.pem"})
	count(tls_03.deny) == 0 with input as top({"mode": "MUTUAL", "credentialName": "acquirer-client"})
}

test_skip_verify_is_left_to_tls_02 if {
	count(tls_03.deny) == 0 with input as top({"mode": "SIMPLE", "insecureSkipVerify": true})
}

test_other_modes_and_kinds_ignored if {
	count(tls_03.deny) == 0 with input as top({"mode": "ISTIO_MUTUAL"})
	count(tls_03.deny) == 0 with input as top({"mode": "DISABLE"})
	dr := top({"mode": "SIMPLE"})
	count(tls_03.deny) == 0 with input as object.union(dr, {"apiVersion": "example.com/v1"})
	count(tls_03.deny) == 0 with input as object.union(dr, {"kind": "ServiceEntry"})
}
