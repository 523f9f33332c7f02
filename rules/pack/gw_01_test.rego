package meshproof.gw_01_test

import data.meshproof.gw_01

gateway(servers) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "Gateway",
	"metadata": {"name": "storefront", "namespace": "istio-ingress"},
	"spec": {"selector": {"istio": "ingressgateway"}, "servers": servers},
}

server(number, protocol, extra) := object.union(
	{"port": {"number": number, "name": lower(protocol), "protocol": protocol}, "hosts": ["pay.example.com"]},
	extra,
)

test_plain_http_server if {
	results := gw_01.deny with input as gateway([server(80, "HTTP", {})])
	count(results) == 1
	some r in results
	r.path == ["spec", "servers", "0", "port", "protocol"]
	r.key == "server 0"
	contains(r.msg, "Gateway istio-ingress/storefront server 0 (port 80, hosts pay.example.com) serves plain HTTP without tls.httpsRedirect: true")
}

test_lower_case_protocol_among_other_servers if {
	servers := [
		server(443, "HTTPS", {"tls": {"mode": "SIMPLE", "credentialName": "pay-example-com"}}),
		server(8080, "http", {"hosts": ["status.example.com"]}),
	]
	results := gw_01.deny with input as gateway(servers)
	count(results) == 1
	some r in results
	r.key == "server 1"
	r.path == ["spec", "servers", "1", "port", "protocol"]
}

test_redirect_set_to_false_points_at_the_field if {
	results := gw_01.deny with input as gateway([server(80, "HTTP", {"tls": {"httpsRedirect": false}})])
	count(results) == 1
	some r in results
	r.path == ["spec", "servers", "0", "tls", "httpsRedirect"]
}

test_https_redirect_and_other_protocols_pass if {
	servers := [
		server(80, "HTTP", {"tls": {"httpsRedirect": true}}),
		server(443, "HTTPS", {"tls": {"mode": "SIMPLE", "credentialName": "pay-example-com"}}),
		server(15443, "TLS", {"tls": {"mode": "AUTO_PASSTHROUGH"}}),
		server(8081, "HTTP2", {}),
		server(9090, "GRPC", {}),
	]
	count(gw_01.deny) == 0 with input as gateway(servers)
}

test_other_kinds_ignored if {
	g := gateway([server(80, "HTTP", {})])
	count(gw_01.deny) == 0 with input as object.union(g, {"apiVersion": "gateway.networking.k8s.io/v1"})
	count(gw_01.deny) == 0 with input as object.union(g, {"kind": "VirtualService"})
}
