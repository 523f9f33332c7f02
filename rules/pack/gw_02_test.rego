package meshproof.gw_02_test

import data.meshproof.gw_02

gateway(tls) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "Gateway",
	"metadata": {"name": "storefront", "namespace": "istio-ingress"},
	"spec": {"servers": [
		{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["pay.example.com"]},
		{"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": ["pay.example.com"], "tls": tls},
	]},
}

simple(versions) := object.union({"mode": "SIMPLE", "credentialName": "pay-example-com"}, versions)

test_minimum_tls_1_0 if {
	results := gw_02.deny with input as gateway(simple({"minProtocolVersion": "TLSV1_0"}))
	count(results) == 1
	some r in results
	r.path == ["spec", "servers", "1", "tls", "minProtocolVersion"]
	r.key == "server 1 minProtocolVersion"
	contains(r.msg, "Gateway istio-ingress/storefront server 1 (port 443) sets tls.minProtocolVersion TLSV1_0")
	contains(r.msg, "clients can negotiate a TLS version older than 1.2")
}

test_minimum_and_maximum_tls_1_1 if {
	results := gw_02.deny with input as gateway(simple({"minProtocolVersion": "TLSV1_1", "maxProtocolVersion": "TLSV1_1"}))
	{r.key | some r in results} == {"server 1 minProtocolVersion", "server 1 maxProtocolVersion"}
	some r in results
	r.key == "server 1 maxProtocolVersion"
	contains(r.msg, "no connection can use TLS 1.2 or later")
}

test_mutual_and_unset_mode_are_checked if {
	count(gw_02.deny) == 1 with input as gateway({"mode": "MUTUAL", "maxProtocolVersion": "TLSV1_0"})
	count(gw_02.deny) == 1 with input as gateway({"minProtocolVersion": "TLSV1_0"})
}

test_modern_auto_and_unset_versions_pass if {
	count(gw_02.deny) == 0 with input as gateway(simple({"minProtocolVersion": "TLSV1_2", "maxProtocolVersion": "TLSV1_3"}))
	count(gw_02.deny) == 0 with input as gateway(simple({"minProtocolVersion": "TLS_AUTO", "maxProtocolVersion": "TLS_AUTO"}))
	count(gw_02.deny) == 0 with input as gateway(simple({}))
}

test_passthrough_servers_skipped if {
	count(gw_02.deny) == 0 with input as gateway({"mode": "PASSTHROUGH", "minProtocolVersion": "TLSV1_0"})
	count(gw_02.deny) == 0 with input as gateway({"mode": "AUTO_PASSTHROUGH", "maxProtocolVersion": "TLSV1_1"})
}

test_other_kinds_ignored if {
	g := gateway(simple({"minProtocolVersion": "TLSV1_0"}))
	count(gw_02.deny) == 0 with input as object.union(g, {"apiVersion": "gateway.networking.k8s.io/v1"})
}
