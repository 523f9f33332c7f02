package meshproof.tls_01_test

import data.meshproof.tls_01

destination_rule(spec) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "DestinationRule",
	"metadata": {"name": "ledger", "namespace": "payments"},
	"spec": object.union({"host": "ledger.payments.svc.cluster.local"}, spec),
}

test_top_level_disable if {
	results := tls_01.deny with input as destination_rule({"trafficPolicy": {"tls": {"mode": "DISABLE"}}})
	count(results) == 1
	some r in results
	r.path == ["spec", "trafficPolicy", "tls", "mode"]
	r.key == "trafficPolicy"
	contains(r.msg, "DestinationRule payments/ledger sets tls.mode DISABLE (trafficPolicy) for host ledger.payments.svc.cluster.local")
}

test_port_level_and_subset_settings if {
	spec := {
		"trafficPolicy": {
			"tls": {"mode": "ISTIO_MUTUAL"},
			"portLevelSettings": [
				{"port": {"number": 8443}, "tls": {"mode": "ISTIO_MUTUAL"}},
				{"port": {"number": 9090}, "tls": {"mode": "DISABLE"}},
			],
		},
		"subsets": [
			{"name": "v1", "labels": {"version": "v1"}},
			{"name": "legacy", "trafficPolicy": {
				"tls": {"mode": "DISABLE"},
				"portLevelSettings": [{"port": {"number": 5432}, "tls": {"mode": "DISABLE"}}],
			}},
		],
	}
	results := tls_01.deny with input as destination_rule(spec)
	{r.key | some r in results} == {"trafficPolicy port 9090", "subset legacy", "subset legacy port 5432"}
	some r in results
	r.key == "subset legacy port 5432"
	r.path == ["spec", "subsets", "1", "trafficPolicy", "portLevelSettings", "0", "tls", "mode"]
}

test_port_setting_without_a_number_is_labelled_by_index if {
	results := tls_01.deny with input as destination_rule({"trafficPolicy": {"portLevelSettings": [{"tls": {"mode": "DISABLE"}}]}})
	some r in results
	r.key == "trafficPolicy port (portLevelSettings[0])"
}

test_other_modes_and_no_tls_pass if {
	count(tls_01.deny) == 0 with input as destination_rule({"trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}})
	count(tls_01.deny) == 0 with input as destination_rule({"trafficPolicy": {"tls": {"mode": "SIMPLE", "caCertificates": "/etc/ca.pem"}}})
	count(tls_01.deny) == 0 with input as destination_rule({"trafficPolicy": {"loadBalancer": {"simple": "ROUND_ROBIN"}}})
}

test_other_kinds_ignored if {
	dr := destination_rule({"trafficPolicy": {"tls": {"mode": "DISABLE"}}})
	count(tls_01.deny) == 0 with input as object.union(dr, {"apiVersion": "example.com/v1"})
	count(tls_01.deny) == 0 with input as object.union(dr, {"kind": "ServiceEntry"})
}
