# METADATA
# title: AuthorizationPolicy rule allows every request
# description: >-
#   In an ALLOW policy, a rule with no from, to or when (for example
#   rules: [{}]) matches every request, so the policy allows everything it
#   selects, from any caller, authenticated or not. It is often written by
#   mistake for "deny all", which is spec: {} (no rules at all).
# custom:
#   id: AUTHZ-02
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1", "7.2.1"]
#   refs: ["NIST SP 800-207 tenet 6"]
#   kinds: [AuthorizationPolicy]
#   remediation: |-
#     Name the callers and operations that are allowed; to deny everything,
#     use an empty spec:
#       spec:
#         selector:
#           matchLabels: {app: payments}
#         action: ALLOW
#         rules:
#         - from:
#           - source:
#               principals: ["cluster.local/ns/shop/sa/checkout"]
#           to:
#           - operation:
#               methods: ["POST"]
#               paths: ["/v1/charges"]
package meshproof.authz_02

import data.meshproof.lib

deny contains lib.result(msg, ["spec", "rules", sprintf("%d", [i])], sprintf("rule %d", [i])) if {
	lib.is_kind("security.istio.io", "AuthorizationPolicy")
	object.get(input.spec, "action", "ALLOW") == "ALLOW"
	some i, rule in input.spec.rules
	unconstrained(rule)
	msg := sprintf("AuthorizationPolicy %s/%s rule %d has no from, to or when: it allows every request", [lib.namespace, lib.name, i])
}

unconstrained(rule) if {
	every f in object.get(rule, "from", []) {
		empty(object.get(f, "source", {}))
	}
	every t in object.get(rule, "to", []) {
		empty(object.get(t, "operation", {}))
	}
	count(object.get(rule, "when", [])) == 0
}

unconstrained(null) := true

# empty is true when a source or operation constrains nothing.
empty(x) if {
	every _, v in x {
		v in {null, []}
	}
}
