package meshproof.jwt_01_test

import data.meshproof.jwt_01

request_authentication(rules) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "RequestAuthentication",
	"metadata": {"name": "payments-jwt", "namespace": "payments"},
	"spec": {"selector": {"matchLabels": {"app": "payments-api"}}, "jwtRules": rules},
}

https_rule := {
	"issuer": "https://login.example.com",
	"jwksUri": "https://login.example.com/.well-known/jwks.json",
	"audiences": ["payments-api"],
}

test_jwks_over_http if {
	rules := [https_rule, {"issuer": "partners", "jwksUri": "http://keycloak.iam:8080/certs", "audiences": ["payments-api"]}]
	results := jwt_01.deny with input as request_authentication(rules)
	count(results) == 1
	some r in results
	r.path == ["spec", "jwtRules", "1", "jwksUri"]
	r.key == "partners"
	contains(r.msg, "RequestAuthentication payments/payments-jwt fetches the JWKS for issuer \"partners\" over plain HTTP (http://keycloak.iam:8080/certs)")
}

test_scheme_is_case_insensitive if {
	count(jwt_01.deny) == 1 with input as request_authentication([{"issuer": "legacy-sso", "jwksUri": "HTTP://sso.example.net/keys"}])
}

test_rule_without_issuer_is_keyed_by_index if {
	results := jwt_01.deny with input as request_authentication([{"jwksUri": "http://sso.example.net/keys"}])
	some r in results
	r.key == "0"
}

test_https_discovery_and_inline_keys_pass if {
	rules := [
		https_rule,
		{"issuer": "https://accounts.example.org", "audiences": ["payments-api"]},
		{"issuer": "internal-batch", "jwks": "{\"keys\":[]}", "jwksUri": "http://unused.example.net/keys"},
	]
	count(jwt_01.deny) == 0 with input as request_authentication(rules)
}

test_other_kinds_ignored if {
	ra := request_authentication([{"issuer": "legacy", "jwksUri": "http://sso.example.net/keys"}])
	count(jwt_01.deny) == 0 with input as object.union(ra, {"apiVersion": "example.com/v1"})
	count(jwt_01.deny) == 0 with input as object.union(ra, {"kind": "AuthorizationPolicy"})
}
