package meshproof.authz_03_test

import data.meshproof.authz_03

policy(spec) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "AuthorizationPolicy",
	"metadata": {"name": "ledger-allow", "namespace": "payments"},
	"spec": spec,
}

test_negative_source_and_operation_fields if {
	spec := {"action": "ALLOW", "rules": [{
		"from": [
			{"source": {"principals": ["cluster.local/ns/shop/sa/checkout"]}},
			{"source": {"notNamespaces": ["sandbox"]}},
		],
		"to": [{"operation": {"methods": ["GET"], "notPaths": ["/admin/*"]}}],
	}]}
	results := authz_03.deny with input as policy(spec)
	count(results) == 2
	some r in results
	r.path == ["spec", "rules", "0", "from", "1", "source", "notNamespaces"]
	r.key == "rule 0 from 1 notNamespaces"
	contains(r.msg, "AuthorizationPolicy payments/ledger-allow allows with notNamespaces in rule 0")
}

test_when_not_values if {
	spec := {"rules": [{"when": [
		{"key": "request.headers[x-tenant]", "values": ["acme"]},
		{"key": "request.auth.claims[groups]", "notValues": ["contractors"]},
	]}]}
	results := authz_03.deny with input as policy(spec)
	count(results) == 1
	some r in results
	r.path == ["spec", "rules", "0", "when", "1", "notValues"]
	r.key == "rule 0 when 1 notValues"
	contains(r.msg, "notValues on request.auth.claims[groups]")
}

test_every_not_field_is_reported if {
	spec := {"rules": [{
		"from": [{"source": {
			"notRemoteIpBlocks": ["198.51.100.0/24"],
			"notRequestPrincipals": ["https://issuer.example.com/blocked"],
			"notSomethingNew": ["x"],
		}}],
		"to": [{"operation": {"notHosts": ["internal.example.com"], "notPorts": ["9090"], "notMethods": ["DELETE"]}}],
	}]}
	count(authz_03.deny) == 6 with input as policy(spec)
}

test_positive_matching_and_empty_exclusions_pass if {
	spec := {"rules": [{
		"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/checkout"], "notPrincipals": []}}],
		"to": [{"operation": {"paths": ["/v1/charges"], "notMethods": []}}],
		"when": [{"key": "request.auth.claims[groups]", "values": ["payments"], "notValues": []}],
	}]}
	count(authz_03.deny) == 0 with input as policy(spec)
}

test_deny_audit_and_custom_policies_ignored if {
	rules := [{"to": [{"operation": {"notPaths": ["/healthz"]}}]}]
	count(authz_03.deny) == 0 with input as policy({"action": "DENY", "rules": rules})
	count(authz_03.deny) == 0 with input as policy({"action": "AUDIT", "rules": rules})
	count(authz_03.deny) == 0 with input as policy({"action": "CUSTOM", "rules": rules})
}

test_other_kinds_ignored if {
	p := policy({"rules": [{"to": [{"operation": {"notPaths": ["/admin"]}}]}]})
	count(authz_03.deny) == 0 with input as object.union(p, {"apiVersion": "example.com/v1"})
}
