# METADATA
# title: DENY policy uses positive path, method or host matching
# description: >-
#   A DENY rule that names paths, methods or hosts denies only the exact
#   spellings it lists. Requests for the same resource written differently
#   (a path that normalizes differently in the application, an unusual case,
#   a Host header with a port or a trailing dot) are not denied and reach the
#   workload. Istio's security best practices recommend DENY with negative
#   matching (notPaths, notMethods, notHosts), which denies everything except
#   the known-good spellings, or an ALLOW policy with positive matching
#   (istio.io/latest/docs/ops/best-practices/security). One finding per
#   paths, methods or hosts field of a DENY rule.
# custom:
#   id: AUTHZ-04
#   severity: MEDIUM
#   pci: ["6.4.1", "7.2.1"]
#   kinds: [AuthorizationPolicy]
#   remediation: |-
#     Deny everything except what is known to be safe, or allow only what is
#     needed with an ALLOW policy:
#       spec:
#         action: DENY
#         rules:
#         - to:
#           - operation:
#               notPaths: ["/public/*"]
#               ports: ["8080"]
package meshproof.authz_04

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, path, key) if {
	lib.is_kind("security.istio.io", "AuthorizationPolicy")
	input.spec.action == "DENY"
	some i, rule in input.spec.rules
	some j, t in rule.to
	some field in ["paths", "methods", "hosts"]
	values := t.operation[field]
	count(values) > 0
	path := ["spec", "rules", istio.index(i), "to", istio.index(j), "operation", field]
	key := sprintf("rule %d to %d %s", [i, j, field])
	msg := sprintf("%s denies by positive %s in rule %d: requests that spell the same target differently are not denied (use not%s)", [istio.resource, field, i, capitalized(field)])
}

capitalized(s) := concat("", [upper(substring(s, 0, 1)), substring(s, 1, -1)])
