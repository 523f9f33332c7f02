package meshproof.jwt_02_test

import data.meshproof.jwt_02

request_authentication(spec) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "RequestAuthentication",
	"metadata": {"name": "payments-jwt", "namespace": "payments"},
	"spec": spec,
}

rule(issuer, audiences) := {"issuer": issuer, "jwksUri": sprintf("%s/jwks", [issuer]), "audiences": audiences}

test_rule_without_audiences if {
	r0 := {"issuer": "https://login.example.com", "jwksUri": "https://login.example.com/jwks"}
	spec := {"jwtRules": [r0, rule("https://accounts.example.org", ["payments-api"])]}
	results := jwt_02.deny with input as request_authentication(spec)
	count(results) == 1
	some r in results
	r.path == ["spec", "jwtRules", "0"]
	r.key == "https://login.example.com"
	contains(r.msg, "RequestAuthentication payments/payments-jwt accepts tokens from issuer \"https://login.example.com\" without audiences")
}

test_empty_audience_lists_and_values if {
	spec := {"jwtRules": [rule("https://partners.example.net", []), rule("https://other.example.net", [""])]}
	results := jwt_02.deny with input as request_authentication(spec)
	{r.key | some r in results} == {"https://partners.example.net", "https://other.example.net"}
}

test_rule_without_issuer_is_keyed_by_index if {
	results := jwt_02.deny with input as request_authentication({"jwtRules": [{"jwksUri": "https://idp.example.com/jwks"}]})
	some r in results
	r.key == "0"
}

test_audiences_and_missing_rules_pass if {
	spec := {"jwtRules": [rule("https://login.example.com", ["payments-api", "payments-api.payments.svc.cluster.local"])]}
	count(jwt_02.deny) == 0 with input as request_authentication(spec)
	count(jwt_02.deny) == 0 with input as request_authentication({"selector": {"matchLabels": {"app": "web"}}})
}

test_other_kinds_ignored if {
	ra := request_authentication({"jwtRules": [rule("https://login.example.com", [])]})
	count(jwt_02.deny) == 0 with input as object.union(ra, {"apiVersion": "example.com/v1"})
	count(jwt_02.deny) == 0 with input as object.union(ra, {"kind": "PeerAuthentication"})
}
