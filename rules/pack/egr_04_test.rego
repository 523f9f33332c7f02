package meshproof.egr_04_test

import data.meshproof.egr_04

entry(spec) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "ServiceEntry",
	"metadata": {"name": "internet", "namespace": "egress"},
	"spec": spec,
}

test_any_host_is_denied if {
	results := egr_04.deny with input as entry({"hosts": ["*"], "location": "MESH_EXTERNAL", "resolution": "DNS"})
	count(results) == 1
	some r in results
	r.path == ["spec", "hosts", "0"]
	r.key == "*"
	contains(r.msg, "ServiceEntry egress/internet is MESH_EXTERNAL with host \"*\": it admits egress to any host")
}

test_top_level_domain_wildcards if {
	spec := {"hosts": ["api.acquirer.example.com", "*.com", "*.io."], "resolution": "DNS"}
	results := egr_04.deny with input as entry(spec)
	count(results) == 2
	some r in results
	r.key == "*.com"
	r.path == ["spec", "hosts", "1"]
	contains(r.msg, "any name under the top-level domain .com")
}

test_resolution_none_without_addresses if {
	results := egr_04.deny with input as entry({"hosts": ["*.wikipedia.org"], "resolution": "NONE"})
	count(results) == 1
	some r in results
	r.path == ["spec", "resolution"]
	r.key == "resolution"
	contains(r.msg, "MESH_EXTERNAL with resolution NONE and no addresses")
}

test_unset_resolution_is_none if {
	results := egr_04.deny with input as entry({"hosts": ["carddb.example.net"], "addresses": [""]})
	count(results) == 1
	some r in results
	r.path == ["spec"]
	r.key == "resolution"
}

test_named_hosts_registrable_wildcards_and_pinned_addresses_pass if {
	count(egr_04.deny) == 0 with input as entry({"hosts": ["api.acquirer.example.com"], "resolution": "DNS"})
	count(egr_04.deny) == 0 with input as entry({
		"hosts": ["*.acquirer.example.com"],
		"addresses": ["203.0.113.0/28"],
		"resolution": "NONE",
	})
	count(egr_04.deny) == 0 with input as entry({
		"hosts": ["carddb.example.net"],
		"addresses": ["198.51.100.10"],
		"resolution": "STATIC",
	})
}

test_mesh_internal_and_other_kinds_ignored if {
	count(egr_04.deny) == 0 with input as entry({"hosts": ["*"], "location": "MESH_INTERNAL", "resolution": "NONE"})
	e := entry({"hosts": ["*"]})
	count(egr_04.deny) == 0 with input as object.union(e, {"apiVersion": "example.com/v1"})
	count(egr_04.deny) == 0 with input as object.union(e, {"kind": "WorkloadEntry"})
}
