# METADATA
# title: JWT validated but not required
# description: >-
#   A RequestAuthentication only rejects requests that carry an invalid
#   token; a request with no token at all is accepted, with no request
#   principal. Requiring a token takes an ALLOW AuthorizationPolicy on the
#   same workload that matches requestPrincipals (or a when condition on
#   request.auth.*), or a DENY policy for requests without one
#   (notRequestPrincipals). Without either, the JWT check that the configuration
#   suggests is not in force for callers who simply leave the token out.
# custom:
#   id: XR-07
#   severity: HIGH
#   cde_raise: true
#   pci: ["8.3.1", "7.2.1"]
#   refs: ["NIST SP 800-204B EAUN"]
#   input: mesh
#   remediation: |-
#     Require a valid token with an ALLOW policy on the same workloads:
#       apiVersion: security.istio.io/v1
#       kind: AuthorizationPolicy
#       metadata:
#         name: require-jwt
#         namespace: payments
#       spec:
#         selector:
#           matchLabels: {app: payments-api}
#         action: ALLOW
#         rules:
#         - from:
#           - source:
#               requestPrincipals: ["https://idp.example.com/*"]
package meshproof.xr_07

import data.meshproof.lib

# requires_jwt(wi) holds when an enforced ALLOW policy on workload wi
# matches on the request principal.
requires_jwt(wi) if {
	some ap in input.authorization_policies
	ap.action == "ALLOW"
	not ap.dry_run
	wi in ap.workloads
	some rule in object.get(ap.spec, "rules", [])
	jwt_rule(rule)
}

jwt_rule(rule) if {
	some f in object.get(rule, "from", [])
	count(object.get(object.get(f, "source", {}), "requestPrincipals", [])) > 0
}

jwt_rule(rule) if {
	some w in object.get(rule, "when", [])
	startswith(w.key, "request.auth.")
}

# Istio's documented alternative: a DENY policy for requests without a
# request principal (notRequestPrincipals), on every path.
requires_jwt(wi) if {
	some ap in input.authorization_policies
	ap.action == "DENY"
	not ap.dry_run
	wi in ap.workloads
	some rule in object.get(ap.spec, "rules", [])
	count(object.get(rule, "to", [])) == 0
	count(object.get(rule, "when", [])) == 0
	some f in object.get(rule, "from", [])
	count(object.get(object.get(f, "source", {}), "notRequestPrincipals", [])) > 0
}

deny contains lib.model_result(msg, ra.ref, ["spec", "jwtRules"], w.ref.name) if {
	lib.is_model
	some ra in input.request_authentications
	some wi in ra.workloads
	w := input.workloads[wi]
	not requires_jwt(wi)
	msg := sprintf("RequestAuthentication %s/%s validates JWTs for %s %s/%s, but no ALLOW AuthorizationPolicy requires one: requests without a token are accepted", [ra.namespace, ra.ref.name, w.ref.kind, w.namespace, w.ref.name])
}
