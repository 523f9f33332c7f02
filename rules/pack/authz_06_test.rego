package meshproof.authz_06_test

import data.meshproof.authz_06

policy(spec) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "AuthorizationPolicy",
	"metadata": {"name": "ledger-callers", "namespace": "payments"},
	"spec": spec,
}

from_source(source) := {"action": "ALLOW", "rules": [{"from": [{"source": source}]}]}

test_star_principal_and_namespace if {
	spec := {"action": "ALLOW", "rules": [{"from": [
		{"source": {"principals": ["cluster.local/ns/shop/sa/checkout", "*"]}},
		{"source": {"namespaces": ["*"]}},
	]}]}
	results := authz_06.deny with input as policy(spec)
	count(results) == 2
	some r in results
	r.path == ["spec", "rules", "0", "from", "0", "source", "principals", "1"]
	r.key == "rule 0 from 0 principals *"
	contains(r.msg, "rule 0 allows principals \"*\": any workload with a mesh identity matches")
}

test_unconfined_prefixes_and_suffixes if {
	source := {"principals": ["cluster.local/*", "cluster.local/ns/*", "cluster.local/ns/pay*", "*/sa/admin"]}
	results := authz_06.deny with input as policy(from_source(source))
	count(results) == 4
	every r in results {
		contains(r.msg, "the wildcard is not confined to one namespace")
	}
}

test_inner_wildcards_reported_as_misplaced if {
	source := {"principals": ["*/ns/*", "cluster.local/ns/*/sa/reporting"]}
	results := authz_06.deny with input as policy(from_source(source))
	count(results) == 2
	every r in results {
		contains(r.msg, "matches no real identity")
	}
}

test_namespace_patterns_without_action if {
	spec := {"rules": [{"from": [{"source": {"namespaces": ["payments", "team-*", "*-prod"]}}]}]}
	results := authz_06.deny with input as policy(spec)
	{r.key | some r in results} == {"rule 0 from 0 namespaces team-*", "rule 0 from 0 namespaces *-prod"}
}

test_confined_wildcards_and_request_principals_pass if {
	source := {
		"principals": [
			"cluster.local/ns/shop/sa/checkout",
			"cluster.local/ns/shop/*",
			"cluster.local/ns/shop/sa/refund-*",
			"*/ns/shop/sa/checkout",
			"*.local/ns/shop/sa/checkout",
		],
		"namespaces": ["shop"],
		"requestPrincipals": ["*"],
	}
	count(authz_06.deny) == 0 with input as policy(from_source(source))
}

test_deny_policies_and_other_kinds_ignored if {
	count(authz_06.deny) == 0 with input as policy({"action": "DENY", "rules": [{"from": [{"source": {"namespaces": ["*"]}}]}]})
	p := policy(from_source({"principals": ["*"]}))
	count(authz_06.deny) == 0 with input as object.union(p, {"apiVersion": "example.com/v1"})
}
