package meshproof.tls_02_test

import data.meshproof.tls_02

destination_rule(spec) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "DestinationRule",
	"metadata": {"name": "acquirer", "namespace": "egress"},
	"spec": object.union({"host": "api.acquirer.example.com"}, spec),
}

test_top_level_skip_verify if {
	results := tls_02.deny with input as destination_rule({"trafficPolicy": {"tls": {"mode": "SIMPLE", "insecureSkipVerify": true}}})
	count(results) == 1
	some r in results
	r.path == ["spec", "trafficPolicy", "tls", "insecureSkipVerify"]
	r.key == "trafficPolicy"
	contains(r.msg, "DestinationRule egress/acquirer sets tls.insecureSkipVerify (trafficPolicy) for host api.acquirer.example.com: the server's certificate is not verified")
}

test_every_level_is_read if {
	skip := {"mode": "SIMPLE", "insecureSkipVerify": true}
	spec := {
		"trafficPolicy": {"portLevelSettings": [{"port": {"number": 8443}, "tls": object.union(skip, {"mode": "MUTUAL"})}]},
		"subsets": [{"name": "sandbox", "trafficPolicy": {
			"tls": object.union(skip, {"caCertificates": "/etc/ca.pem"}),
			"portLevelSettings": [{"port": {"number": 9443}, "tls": skip}],
		}}],
	}
	results := tls_02.deny with input as destination_rule(spec)
	{r.key | some r in results} == {"trafficPolicy port 8443", "subset sandbox", "subset sandbox port 9443"}
	some r in results
	r.key == "trafficPolicy port 8443"
	r.path == ["spec", "trafficPolicy", "portLevelSettings", "0", "tls", "insecureSkipVerify"]
}

test_verified_servers_pass if {
	count(tls_02.deny) == 0 with input as destination_rule({"trafficPolicy": {"tls": {"mode": "SIMPLE", "caCertificates": "/etc/ca.pem", "insecureSkipVerify": false}}})
	count(tls_02.deny) == 0 with input as destination_rule({"trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}})
	count(tls_02.deny) == 0 with input as destination_rule({"trafficPolicy": {"tls": {"mode": "SIMPLE", "insecureSkipVerify": "true"}}})
}

test_other_kinds_ignored if {
	dr := destination_rule({"trafficPolicy": {"tls": {"mode": "SIMPLE", "insecureSkipVerify": true}}})
	count(tls_02.deny) == 0 with input as object.union(dr, {"apiVersion": "example.com/v1"})
	count(tls_02.deny) == 0 with input as object.union(dr, {"kind": "VirtualService"})
}
