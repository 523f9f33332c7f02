package meshproof.authz_02_test

import data.meshproof.authz_02

policy(spec) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "AuthorizationPolicy",
	"metadata": {"name": "ledger", "namespace": "payments"},
	"spec": spec,
}

test_empty_rule_allows_everything if {
	results := authz_02.deny with input as policy({"selector": {"matchLabels": {"app": "ledger"}}, "rules": [{}]})
	count(results) == 1
	some r in results
	r.path == ["spec", "rules", "0"]
	r.key == "rule 0"
	contains(r.msg, "AuthorizationPolicy payments/ledger rule 0 has no from, to or when")
}

test_empty_sources_and_operations_are_unconstrained if {
	spec := {
		"action": "ALLOW",
		"rules": [
			{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/checkout"]}}]},
			{"from": [{"source": {}}], "to": [{"operation": {}}]},
			{"from": [{"source": {"principals": [], "namespaces": null}}]},
		],
	}
	results := authz_02.deny with input as policy(spec)
	{r.key | some r in results} == {"rule 1", "rule 2"}
}

test_constrained_rules_pass if {
	spec := {"rules": [
		{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/checkout"]}}]},
		{"to": [{"operation": {"methods": ["GET"]}}]},
		{"when": [{"key": "request.headers[x-tenant]", "values": ["acme"]}]},
	]}
	count(authz_02.deny) == 0 with input as policy(spec)
}

test_deny_audit_and_empty_spec_pass if {
	count(authz_02.deny) == 0 with input as policy({})
	count(authz_02.deny) == 0 with input as policy({"action": "DENY", "rules": [{}]})
	count(authz_02.deny) == 0 with input as policy({"action": "AUDIT", "rules": [{}]})
}

test_other_kinds_ignored if {
	p := policy({"rules": [{}]})
	count(authz_02.deny) == 0 with input as object.union(p, {"apiVersion": "example.com/v1"})
	count(authz_02.deny) == 0 with input as object.union(p, {"kind": "PeerAuthentication"})
}
