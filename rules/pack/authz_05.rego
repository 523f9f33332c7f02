# METADATA
# title: ALLOW rule without a source constraint on a CDE workload
# description: >-
#   An AuthorizationPolicy rule matches when one of its sources, one of its
#   operations and all of its conditions match. A rule with no from (or with
#   a from entry whose source is empty, which matches every caller) lets any
#   caller do what its to and when allow: any workload of any namespace, or,
#   where plaintext is accepted, any pod or node that can reach the workload
#   at all. On a workload in the cardholder data environment that is access
#   granted by operation (a path, a method, a port) instead of by who asks,
#   the opposite of least privilege. A when condition on the caller
#   (source.principal, source.namespace, source.ip, remote.ip or
#   request.auth.*) counts as a source constraint. Rules with no from, to or
#   when at all are AUTHZ-02's; dry-run policies, which are not enforced,
#   are AUTHZ-08's.
# custom:
#   id: AUTHZ-05
#   severity: HIGH
#   pci: ["1.3.1", "7.2.5"]
#   refs: ["NIST SP 800-204B SAUZ"]
#   input: mesh
#   remediation: |-
#     Name the callers that need the operation in a from block, by workload
#     identity:
#       spec:
#         selector:
#           matchLabels: {app: ledger}
#         action: ALLOW
#         rules:
#         - from:
#           - source:
#               principals: ["cluster.local/ns/shop/sa/checkout"]
#           to:
#           - operation:
#               methods: ["POST"]
#               paths: ["/v1/charges"]
package meshproof.authz_05

import data.meshproof.lib

list(x) := x if is_array(x)

else := []

obj(x) := x if is_object(x)

else := {}

field(x, name) := object.get(obj(x), name, null)

# empty is true when a source or operation constrains nothing.
empty(x) if {
	every v in obj(x) {
		v in {null, []}
	}
}

# any_source holds when the rule's from matches every caller: no from, or a
# from entry with an empty source (from entries are ORed).
any_source(rule) if count(list(field(rule, "from"))) == 0

any_source(rule) if {
	some f in list(field(rule, "from"))
	empty(field(f, "source"))
}

# caller_condition holds when a when condition constrains the caller.
caller_condition(rule) if {
	some c in list(field(rule, "when"))
	key := field(c, "key")
	is_string(key)
	some prefix in ["source.", "remote.", "request.auth."]
	startswith(key, prefix)
}

# allows_all is AUTHZ-02's case: no from, to or when that constrains anything.
allows_all(rule) if {
	every f in list(field(rule, "from")) {
		empty(field(f, "source"))
	}
	every t in list(field(rule, "to")) {
		empty(field(t, "operation"))
	}
	count(list(field(rule, "when"))) == 0
}

cde_workloads(ap) := sort([sprintf("%s %s/%s", [w.ref.kind, w.namespace, w.ref.name]) |
	some wi in ap.workloads
	w := input.workloads[wi]
	w.scope == "cde"
])

deny contains lib.model_result(msg, ap.ref, ["spec", "rules", sprintf("%d", [i])], sprintf("%d", [i])) if {
	lib.is_model
	some ap in input.authorization_policies
	ap.action == "ALLOW"
	not ap.dry_run
	ws := cde_workloads(ap)
	count(ws) > 0
	some i, rule in list(field(ap.spec, "rules"))
	is_object(rule)
	any_source(rule)
	not caller_condition(rule)
	not allows_all(rule)
	msg := sprintf("AuthorizationPolicy %s/%s rule %d has no source constraint, so any caller may do what it allows on CDE workloads %s", [ap.namespace, ap.ref.name, i, concat(", ", ws)])
}
