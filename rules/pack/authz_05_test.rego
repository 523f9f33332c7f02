package meshproof.authz_05_test

import data.meshproof.authz_05

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

workload(name, scope) := {
	"ref": ref("Deployment", "payments", name),
	"namespace": "payments",
	"scope": scope,
}

policy(rules) := {
	"ref": ref("AuthorizationPolicy", "payments", "ledger"),
	"namespace": "payments",
	"action": "ALLOW",
	"dry_run": false,
	"spec": {"rules": rules},
	"workloads": [0, 1],
}

model(p, scope) := {
	"meshproof_model": 1,
	"workloads": [workload("ledger", scope), workload("vault", scope)],
	"authorization_policies": [p],
}

test_operation_without_source_on_cde if {
	rules := [{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/web"]}}]}, {"to": [{"operation": {"methods": ["GET"]}}]}]
	results := authz_05.deny with input as model(policy(rules), "cde")
	count(results) == 1
	some r in results
	r.resource == ref("AuthorizationPolicy", "payments", "ledger")
	r.path == ["spec", "rules", "1"]
	r.key == "1"
	contains(r.msg, "AuthorizationPolicy payments/ledger rule 1 has no source constraint")
	contains(r.msg, "CDE workloads Deployment payments/ledger, Deployment payments/vault")
}

test_empty_source_counts_as_none if {
	rules := [{"from": [{"source": {"principals": []}}], "to": [{"operation": {"ports": ["8443"]}}]}]
	count(authz_05.deny) == 1 with input as model(policy(rules), "cde")
}

test_sources_and_caller_conditions_pass if {
	count(authz_05.deny) == 0 with input as model(policy([{"from": [{"source": {"namespaces": ["shop"]}}], "to": [{"operation": {"methods": ["GET"]}}]}]), "cde")
	count(authz_05.deny) == 0 with input as model(policy([{"to": [{"operation": {"methods": ["GET"]}}], "when": [{"key": "source.principal", "values": ["cluster.local/ns/shop/sa/web"]}]}]), "cde")
	count(authz_05.deny) == 0 with input as model(policy([{"to": [{"operation": {"methods": ["GET"]}}], "when": [{"key": "request.auth.claims[iss]", "values": ["https://idp"]}]}]), "cde")
}

test_allow_all_rule_is_left_to_authz_02 if {
	count(authz_05.deny) == 0 with input as model(policy([{}]), "cde")
}

test_outside_cde_dry_run_and_deny_pass if {
	rules := [{"to": [{"operation": {"methods": ["GET"]}}]}]
	count(authz_05.deny) == 0 with input as model(policy(rules), "connected")
	count(authz_05.deny) == 0 with input as model(object.union(policy(rules), {"dry_run": true}), "cde")
	count(authz_05.deny) == 0 with input as model(object.union(policy(rules), {"action": "DENY"}), "cde")
}

test_manifest_input_yields_nothing if {
	count(authz_05.deny) == 0 with input as {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy", "metadata": {"name": "x"}, "spec": {"rules": [{"to": [{"operation": {"methods": ["GET"]}}]}]}}
}
