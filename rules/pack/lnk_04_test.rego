package meshproof.lnk_04_test

import data.meshproof.lnk_04

network_authentication(networks) := {
	"apiVersion": "policy.linkerd.io/v1alpha1",
	"kind": "NetworkAuthentication",
	"metadata": {"name": "everyone", "namespace": "payments"},
	"spec": {"networks": networks},
}

test_any_ipv4_address if {
	results := lnk_04.deny with input as network_authentication([{"cidr": "10.40.0.0/16"}, {"cidr": "0.0.0.0/0"}])
	count(results) == 1
	some r in results
	r.path == ["spec", "networks", "1", "cidr"]
	r.key == "network 1"
	contains(r.msg, "NetworkAuthentication payments/everyone network 1 (cidr 0.0.0.0/0, no except) authenticates every client address")
}

test_ipv6_and_empty_except if {
	results := lnk_04.deny with input as network_authentication([{"cidr": "::/0"}, {"cidr": "10.0.0.0/0", "except": []}])
	{r.key | some r in results} == {"network 0", "network 1"}
}

test_except_narrows_the_network if {
	networks := [{"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]}]
	count(lnk_04.deny) == 0 with input as network_authentication(networks)
}

test_specific_networks_pass if {
	networks := [{"cidr": "10.40.0.0/16"}, {"cidr": "fd00:10:40::/48"}, {"cidr": "192.0.2.10/32"}, {"cidr": "10.0.0.0/10"}, {"cidr": "192.0.2.10"}]
	count(lnk_04.deny) == 0 with input as network_authentication(networks)
}

test_other_kinds_ignored if {
	na := network_authentication([{"cidr": "0.0.0.0/0"}])
	count(lnk_04.deny) == 0 with input as object.union(na, {"apiVersion": "example.com/v1"})
	count(lnk_04.deny) == 0 with input as object.union(na, {"kind": "MeshTLSAuthentication"})
}
