# METADATA
# title: JWT rule without audiences
# description: >-
#   A jwtRules[] entry without audiences accepts any token from the issuer,
#   whatever service it was issued for. Istio passes the list to Envoy's
#   jwt_authn filter, which checks the aud claim only when the list is not
#   empty (the API reference's note that the service name is then accepted
#   does not make it check anything). A token obtained for another
#   application of the same identity provider (a dashboard, a CLI, a partner
#   integration) is then valid here too, so a token leaked or replayed from
#   a less trusted service opens this one. One finding per rule.
# custom:
#   id: JWT-02
#   severity: MEDIUM
#   pci: ["8.3.1"]
#   refs: ["NIST SP 800-204B EAUN"]
#   kinds: [RequestAuthentication]
#   remediation: |-
#     Accept only tokens issued for this service:
#       spec:
#         jwtRules:
#         - issuer: https://login.example.com
#           jwksUri: https://login.example.com/.well-known/jwks.json
#           audiences: ["payments-api"]
package meshproof.jwt_02

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, ["spec", "jwtRules", istio.index(i)], object.get(rule, "issuer", istio.index(i))) if {
	lib.is_kind("security.istio.io", "RequestAuthentication")
	some i, rule in input.spec.jwtRules
	not has_audiences(rule)
	msg := sprintf("%s accepts tokens from issuer %q without audiences: tokens issued for any other service are accepted", [istio.resource, object.get(rule, "issuer", "")])
}

has_audiences(rule) if {
	some audience in rule.audiences
	audience != ""
}
