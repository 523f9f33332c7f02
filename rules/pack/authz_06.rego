# METADATA
# title: ALLOW policy admits wildcard identities
# description: >-
#   principals and namespaces match the peer's mTLS identity
#   (<trust domain>/ns/<namespace>/sa/<service account>). Istio reads "*" alone
#   as a presence match, "abc*" as a prefix and "*abc" as a suffix; a "*"
#   anywhere else is a literal character. In an ALLOW rule, principals "*" or
#   namespaces "*" admit any workload that has a mesh certificate, in any
#   namespace, which is no more than "the caller is meshed". The rule reports
#   every principals or namespaces value of an ALLOW rule that contains "*"
#   and is not confined to one namespace: any namespaces value with "*"
#   (it can match several namespaces, including ones created later); a
#   principal prefix that does not spell out a whole "<trust domain>/ns/<namespace>/"
#   ("cluster.local/*", "cluster.local/ns/*", "cluster.local/ns/pay*"); and a
#   principal suffix that does not end in a whole "/ns/<namespace>/sa/<account>"
#   ("*/sa/admin"). "cluster.local/ns/shop/*" and "*/ns/shop/sa/checkout" (one
#   service account across trust domains) are not reported. Values such as
#   "*/ns/*" or "cluster.local/ns/*/sa/reporting" are reported as well:
#   Istio treats a second or inner "*" as a literal character, so they admit
#   no real identity today, but they were written to span namespaces and do
#   not say which callers are needed. requestPrincipals "*" (any valid JWT)
#   is not an mTLS identity and is not reported. Only ALLOW policies (action
#   ALLOW or unset) are read. One finding per value.
# custom:
#   id: AUTHZ-06
#   severity: HIGH
#   pci: ["7.2.1", "7.2.5"]
#   refs: ["NIST SP 800-207 tenet 4"]
#   kinds: [AuthorizationPolicy]
#   remediation: |-
#     Name the service accounts (or at least the namespaces) that need access:
#       spec:
#         action: ALLOW
#         rules:
#         - from:
#           - source:
#               principals:
#               - cluster.local/ns/shop/sa/checkout
#               - cluster.local/ns/shop/sa/refunds
package meshproof.authz_06

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, path, key) if {
	lib.is_kind("security.istio.io", "AuthorizationPolicy")
	object.get(input.spec, "action", "ALLOW") == "ALLOW"
	some i, rule in input.spec.rules
	some j, f in rule.from
	some field in ["principals", "namespaces"]
	some k, value in f.source[field]
	broad(field, value)
	path := ["spec", "rules", istio.index(i), "from", istio.index(j), "source", field, istio.index(k)]
	key := sprintf("rule %d from %d %s %s", [i, j, field, value])
	msg := sprintf("%s rule %d allows %s %q: %s", [istio.resource, i, field, value, why(value)])
}

broad(_, "*") := true

broad("namespaces", value) if contains(value, "*")

# A principal without a leading "*" is confined when it starts with a whole
# "<trust domain>/ns/<namespace>/".
broad("principals", value) if {
	contains(value, "*")
	not startswith(value, "*")
	not regex.match(`^[^*/]+/ns/[^*/]+/`, value)
}

# A suffix match is confined when it ends with a whole
# "/ns/<namespace>/sa/<service account>".
broad("principals", value) if {
	startswith(value, "*")
	not regex.match(`^\*[^*/]*/ns/[^*/]+/sa/[^*/]+$`, value)
}

why("*") := "any workload with a mesh identity matches, in every namespace"

why(value) := "Istio reads only one leading or trailing \"*\" as a wildcard, so it matches no real identity, but it was written to span namespaces" if {
	misplaced(value)
} else := "the wildcard is not confined to one namespace" if {
	value != "*"
}

# misplaced is true when a "*" is neither the first nor the last character,
# or when there are several.
misplaced(value) if count(indexof_n(value, "*")) > 1

misplaced(value) if {
	contains(value, "*")
	not startswith(value, "*")
	not endswith(value, "*")
}
