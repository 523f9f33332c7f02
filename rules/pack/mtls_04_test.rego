package meshproof.mtls_04_test

import data.meshproof.mtls_04

pa(spec) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "PeerAuthentication",
	"metadata": {"name": "ledger", "namespace": "payments"},
	"spec": spec,
}

selected(ports) := {"selector": {"matchLabels": {"app": "ledger"}}, "mtls": {"mode": "STRICT"}, "portLevelMtls": ports}

test_disabled_port if {
	results := mtls_04.deny with input as pa(selected({9090: {"mode": "DISABLE"}}))
	count(results) == 1
	some r in results
	r.path == ["spec", "portLevelMtls", "9090", "mode"]
	r.key == "9090"
	contains(r.msg, "PeerAuthentication payments/ledger sets mTLS mode DISABLE on port 9090: the port takes only plaintext")
}

test_permissive_port_with_a_string_key if {
	results := mtls_04.deny with input as pa(selected({"5432": {"mode": "PERMISSIVE"}}))
	count(results) == 1
	some r in results
	r.key == "5432"
	contains(r.msg, "the port accepts plaintext as well as mTLS")
}

test_one_finding_per_weakened_port if {
	ports := {9090: {"mode": "DISABLE"}, 8443: {"mode": "STRICT"}, 8080: {"mode": "PERMISSIVE"}, 7070: {"mode": "UNSET"}}
	results := mtls_04.deny with input as pa(selected(ports))
	{r.key | some r in results} == {"9090", "8080"}
}

test_policies_without_a_selector_ignored if {
	count(mtls_04.deny) == 0 with input as pa({"mtls": {"mode": "STRICT"}, "portLevelMtls": {8080: {"mode": "DISABLE"}}})
	count(mtls_04.deny) == 0 with input as pa({"selector": {"matchLabels": {}}, "portLevelMtls": {8080: {"mode": "PERMISSIVE"}}})
}

test_other_kinds_ignored if {
	p := pa(selected({9090: {"mode": "DISABLE"}}))
	count(mtls_04.deny) == 0 with input as object.union(p, {"apiVersion": "example.com/v1"})
	count(mtls_04.deny) == 0 with input as object.union(p, {"kind": "DestinationRule"})
}
