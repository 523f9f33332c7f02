# METADATA
# title: ALLOW policy uses negative matching
# description: >-
#   An ALLOW rule that matches with a negative field (notPrincipals,
#   notRequestPrincipals, notNamespaces, notServiceAccounts, notIpBlocks,
#   notRemoteIpBlocks in from.source; notHosts, notPorts, notMethods,
#   notPaths in to.operation; notValues in when) allows everything except
#   what it names. Every caller, path or method nobody thought of is
#   allowed, and a request spelled in a way the exclusion does not match
#   (another case, an encoded path, a Host with a port) is allowed too. Istio's
#   security best practices recommend ALLOW with positive matching only
#   (istio.io/latest/docs/ops/best-practices/security). Any not* field of a
#   source or operation is reported, so fields Istio adds later are covered.
#   One finding per negative field.
# custom:
#   id: AUTHZ-03
#   severity: MEDIUM
#   pci: ["7.2.1"]
#   kinds: [AuthorizationPolicy]
#   remediation: |-
#     List what is allowed instead of what is not; keep exclusions for DENY
#     policies:
#       spec:
#         action: ALLOW
#         rules:
#         - from:
#           - source:
#               principals: ["cluster.local/ns/shop/sa/checkout"]
#           to:
#           - operation:
#               methods: ["GET", "POST"]
#               paths: ["/v1/charges", "/v1/charges/*"]
package meshproof.authz_03

import data.meshproof.lib
import data.meshproof.lib.istio

allow if {
	lib.is_kind("security.istio.io", "AuthorizationPolicy")
	object.get(input.spec, "action", "ALLOW") == "ALLOW"
}

negative(field) if regex.match(`^not[A-Z]`, field)

# Negative fields of from[].source and to[].operation.
deny contains lib.result(msg, path, key) if {
	allow
	some i, rule in input.spec.rules
	some [side, part] in [["from", "source"], ["to", "operation"]]
	some j, entry in rule[side]
	some field, values in entry[part]
	negative(field)
	count(values) > 0
	path := ["spec", "rules", istio.index(i), side, istio.index(j), part, field]
	key := sprintf("rule %d %s %d %s", [i, side, j, field])
	msg := sprintf("%s allows with %s in rule %d: an ALLOW rule with negative matching allows every request it does not exclude", [istio.resource, field, i])
}

# when[].notValues.
deny contains lib.result(msg, path, key) if {
	allow
	some i, rule in input.spec.rules
	some k, cond in rule.when
	count(cond.notValues) > 0
	path := ["spec", "rules", istio.index(i), "when", istio.index(k), "notValues"]
	key := sprintf("rule %d when %d notValues", [i, k])
	msg := sprintf("%s allows with notValues on %s in rule %d: an ALLOW rule with negative matching allows every request it does not exclude", [istio.resource, object.get(cond, "key", "a condition"), i])
}
