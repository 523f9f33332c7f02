# METADATA
# title: JWKS fetched over plain HTTP
# description: >-
#   jwtRules[].jwksUri is where Istio fetches the public keys that verify
#   tokens for the issuer. Over http:// the key set can be read and replaced
#   on the way: whoever can tamper with that connection can substitute their
#   own key and mint tokens that every workload under the policy accepts.
#   The scheme is compared case-insensitively. A rule that also sets inline
#   jwks is not reported, since Istio then ignores jwksUri. A rule with an
#   http:// issuer and no jwksUri is reported too: Istio then finds the keys
#   through the issuer's OpenID discovery document, over the same cleartext.
# custom:
#   id: JWT-01
#   severity: HIGH
#   pci: ["8.3.2", "4.2.1"]
#   refs: ["NIST SP 800-204B EAUN"]
#   kinds: [RequestAuthentication]
#   remediation: |-
#     Fetch the key set over https:
#       spec:
#         jwtRules:
#         - issuer: https://login.example.com
#           jwksUri: https://login.example.com/.well-known/jwks.json
#           audiences: ["payments-api"]
package meshproof.jwt_01

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, ["spec", "jwtRules", istio.index(i), "jwksUri"], object.get(rule, "issuer", istio.index(i))) if {
	lib.is_kind("security.istio.io", "RequestAuthentication")
	some i, rule in input.spec.jwtRules
	startswith(lower(rule.jwksUri), "http://")
	object.get(rule, "jwks", "") == ""
	msg := sprintf("%s fetches the JWKS for issuer %q over plain HTTP (%s): the signing keys can be substituted in transit", [istio.resource, object.get(rule, "issuer", ""), rule.jwksUri])
}

# Without jwksUri (and jwks), Istio discovers the key set through the
# issuer's OpenID configuration: over http:// that discovery is cleartext too.
deny contains lib.result(msg, ["spec", "jwtRules", istio.index(i), "issuer"], object.get(rule, "issuer", istio.index(i))) if {
	lib.is_kind("security.istio.io", "RequestAuthentication")
	some i, rule in input.spec.jwtRules
	startswith(lower(object.get(rule, "issuer", "")), "http://")
	object.get(rule, "jwksUri", "") == ""
	object.get(rule, "jwks", "") == ""
	msg := sprintf("%s discovers the JWKS of issuer %q over plain HTTP (OpenID discovery, no jwksUri): the signing keys can be substituted in transit", [istio.resource, rule.issuer])
}
