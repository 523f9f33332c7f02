package meshproof.authz_04_test

import data.meshproof.authz_04

policy(spec) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "AuthorizationPolicy",
	"metadata": {"name": "block-admin", "namespace": "payments"},
	"spec": spec,
}

test_positive_paths_and_methods_in_deny if {
	spec := {"action": "DENY", "rules": [{"to": [{"operation": {"paths": ["/admin", "/admin/*"], "methods": ["DELETE"]}}]}]}
	results := authz_04.deny with input as policy(spec)
	count(results) == 2
	some r in results
	r.path == ["spec", "rules", "0", "to", "0", "operation", "paths"]
	r.key == "rule 0 to 0 paths"
	contains(r.msg, "AuthorizationPolicy payments/block-admin denies by positive paths in rule 0")
	contains(r.msg, "(use notPaths)")
}

test_hosts_in_a_later_rule_and_operation if {
	spec := {"action": "DENY", "rules": [
		{"from": [{"source": {"namespaces": ["sandbox"]}}]},
		{"to": [{"operation": {"ports": ["8080"]}}, {"operation": {"hosts": ["ledger-admin.example.com"]}}]},
	]}
	results := authz_04.deny with input as policy(spec)
	count(results) == 1
	some r in results
	r.path == ["spec", "rules", "1", "to", "1", "operation", "hosts"]
	r.key == "rule 1 to 1 hosts"
	contains(r.msg, "(use notHosts)")
}

test_negative_matching_ports_and_empty_lists_pass if {
	spec := {"action": "DENY", "rules": [{"to": [{"operation": {
		"notPaths": ["/public/*"],
		"notMethods": ["GET"],
		"ports": ["8080"],
		"paths": [],
	}}]}]}
	count(authz_04.deny) == 0 with input as policy(spec)
}

test_allow_policies_ignored if {
	rules := [{"to": [{"operation": {"methods": ["POST"], "paths": ["/v1/charges"]}}]}]
	count(authz_04.deny) == 0 with input as policy({"rules": rules})
	count(authz_04.deny) == 0 with input as policy({"action": "ALLOW", "rules": rules})
}

test_other_kinds_ignored if {
	p := policy({"action": "DENY", "rules": [{"to": [{"operation": {"paths": ["/admin"]}}]}]})
	count(authz_04.deny) == 0 with input as object.union(p, {"apiVersion": "example.com/v1"})
	count(authz_04.deny) == 0 with input as object.union(p, {"kind": "RequestAuthentication"})
}
