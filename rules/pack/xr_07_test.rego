package meshproof.xr_07_test

import data.meshproof.xr_07

ref(kind, ns, name) := {"id": 0, "api_version": "security.istio.io/v1", "kind": kind, "namespace": ns, "name": name}

workload := {
	"ref": {"id": 0, "api_version": "apps/v1", "kind": "Deployment", "namespace": "payments", "name": "payments-api"},
	"namespace": "payments",
	"labels": {"app": "payments-api"},
}

request_authentication(workloads) := {
	"ref": ref("RequestAuthentication", "payments", "jwt"),
	"namespace": "payments",
	"selector": {"app": "payments-api"},
	"target_refs": false,
	"workloads": workloads,
}

policy(action, rules, extra) := object.union(
	{
		"ref": ref("AuthorizationPolicy", "payments", "payments-api"),
		"namespace": "payments",
		"action": action,
		"selector": {"app": "payments-api"},
		"dry_run": false,
		"spec": {"action": action, "rules": rules},
		"workloads": [0],
	},
	extra,
)

model(policies) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"workloads": [workload],
	"request_authentications": [request_authentication([0])],
	"authorization_policies": policies,
}

principal_rule := {"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/frontend"]}}]}

jwt_rule := {"from": [{"source": {"requestPrincipals": ["https://idp.example.com/*"]}}]}

test_jwt_validated_but_not_required if {
	results := xr_07.deny with input as model([policy("ALLOW", [principal_rule], {})])
	count(results) == 1
	some r in results
	r.resource == ref("RequestAuthentication", "payments", "jwt")
	r.path == ["spec", "jwtRules"]
	r.key == "payments-api"
	contains(r.msg, "RequestAuthentication payments/jwt validates JWTs for Deployment payments/payments-api, but no ALLOW AuthorizationPolicy requires one")
}

test_allow_on_request_principals_or_claims_passes if {
	count(xr_07.deny) == 0 with input as model([policy("ALLOW", [principal_rule, jwt_rule], {})])
	claims := {"when": [{"key": "request.auth.claims[iss]", "values": ["https://idp.example.com"]}]}
	count(xr_07.deny) == 0 with input as model([policy("ALLOW", [claims], {})])
}

test_dry_run_or_other_workloads_do_not_require_jwt if {
	count(xr_07.deny) == 1 with input as model([policy("ALLOW", [jwt_rule], {"dry_run": true})])
	count(xr_07.deny) == 1 with input as model([policy("ALLOW", [jwt_rule], {"workloads": []})])
	count(xr_07.deny) == 1 with input as model([policy("AUDIT", [jwt_rule], {})])
}

# Istio's "Authentication Policy" task (istio.io/latest/docs/tasks/security/
# authentication/authn-policy/#require-a-valid-token): "To reject requests
# without valid tokens, add an authorization policy with a rule specifying a
# DENY action for requests without request principals, shown as
# notRequestPrincipals: ["*"]". Such a policy requires a token.
# Fails: requires_jwt only accepts ALLOW policies (rule bug, reported).
test_deny_without_request_principals_requires_jwt if {
	require := {"from": [{"source": {"notRequestPrincipals": ["*"]}}]}
	count(xr_07.deny) == 0 with input as model([policy("DENY", [require], {})])
}

test_request_authentication_without_workloads_ignored if {
	m := object.union(model([]), {"request_authentications": [request_authentication([])]})
	count(xr_07.deny) == 0 with input as m
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "security.istio.io/v1",
		"kind": "RequestAuthentication",
		"metadata": {"name": "jwt", "namespace": "payments"},
		"spec": {"jwtRules": [{"issuer": "https://idp.example.com"}]},
	}
	count(xr_07.deny) == 0 with input as manifest
}
