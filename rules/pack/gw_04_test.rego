package meshproof.gw_04_test

import data.meshproof.gw_04

gateway(servers) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "Gateway",
	"metadata": {"name": "storefront", "namespace": "istio-ingress"},
	"spec": {"selector": {"istio": "ingressgateway"}, "servers": servers},
}

server(number, hosts) := {"port": {"number": number, "name": "https", "protocol": "HTTPS"}, "hosts": hosts}

test_any_host if {
	results := gw_04.deny with input as gateway([server(443, ["*"])])
	count(results) == 1
	some r in results
	r.path == ["spec", "servers", "0", "hosts", "0"]
	r.key == "server 0 *"
	contains(r.msg, "Gateway istio-ingress/storefront server 0 (port 443) has host \"*\": a VirtualService in any namespace can bind any host name to it")
}

test_any_namespace_any_host if {
	results := gw_04.deny with input as gateway([server(443, ["pay.example.com", "*/*"])])
	count(results) == 1
	some r in results
	r.path == ["spec", "servers", "0", "hosts", "1"]
	r.key == "server 0 */*"
}

test_one_finding_per_server if {
	results := gw_04.deny with input as gateway([server(80, ["*"]), server(27017, ["*"])])
	{r.key | some r in results} == {"server 0 *", "server 1 *"}
}

test_hosts_restricted_by_namespace_or_name_pass if {
	hosts := [
		"payments/pay.example.com",
		"storefront/*",
		"*/status.example.com",
		"*.example.com",
		"./internal.example.com",
	]
	count(gw_04.deny) == 0 with input as gateway([server(443, hosts)])
}

test_other_kinds_ignored if {
	g := gateway([server(443, ["*"])])
	count(gw_04.deny) == 0 with input as object.union(g, {"apiVersion": "gateway.networking.k8s.io/v1"})
	count(gw_04.deny) == 0 with input as object.union(g, {"kind": "VirtualService"})
}
