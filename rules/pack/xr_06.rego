# METADATA
# title: Identity-based ALLOW on a workload that accepts plaintext
# description: >-
#   source.principals, source.namespaces and source.serviceAccounts (and the
#   when keys source.principal and source.namespace) only match requests
#   that arrive over mutual TLS: a plaintext request carries no peer
#   identity. An ALLOW rule built on them therefore fails closed for
#   plaintext callers, which the workload's PERMISSIVE or DISABLE mode
#   nevertheless invites: callers without a sidecar connect, are denied,
#   and the usual fix under pressure is to loosen the policy rather than to
#   enforce STRICT. The policy and the mTLS mode say two different things
#   about who may call; STRICT makes the identity the policy relies on
#   mandatory and documents the intent. Negative fields (notPrincipals...)
#   are not considered, since they do match plaintext requests; nor are
#   dry-run policies, which enforce nothing.
# custom:
#   id: XR-06
#   severity: MEDIUM
#   pci: ["7.2.1"]
#   input: mesh
#   remediation: |-
#     Make the workload STRICT (its namespace, or a workload policy), so that
#     every caller presents the identity the AuthorizationPolicy checks:
#       apiVersion: security.istio.io/v1
#       kind: PeerAuthentication
#       metadata:
#         name: ledger
#         namespace: payments
#       spec:
#         selector:
#           matchLabels: {app: ledger}
#         mtls:
#           mode: STRICT
package meshproof.xr_06

import data.meshproof.lib

list(x) := x if is_array(x)

else := []

obj(x) := x if is_object(x)

else := {}

identity_fields := ["principals", "namespaces", "serviceAccounts"]

identity_keys := {"source.principal", "source.namespace"}

from_identity(rule) if {
	some f in list(object.get(rule, "from", []))
	src := obj(object.get(obj(f), "source", {}))
	some field in identity_fields
	count(list(object.get(src, field, []))) > 0
}

when_identity(rule) if {
	some c in list(object.get(rule, "when", []))
	object.get(obj(c), "key", "") in identity_keys
	count(list(object.get(obj(c), "values", []))) > 0
}

# identity_path is where the rule matches on peer identity.
identity_path(i, rule) := ["spec", "rules", sprintf("%d", [i]), "from"] if from_identity(rule)

else := ["spec", "rules", sprintf("%d", [i]), "when"] if when_identity(rule)

# weakness describes how the workload accepts plaintext.
weakness(w) := sprintf("its effective mTLS mode is %s", [w.mtls.mode]) if {
	w.mtls.mode != "STRICT"
} else := sprintf("port %s is %s", [port, w.mtls.ports[port]]) if {
	weak := sort([p | some p, mode in w.mtls.ports; mode != "STRICT"])
	count(weak) > 0
	port := weak[0]
}

deny contains lib.model_result(msg, ap.ref, path, key) if {
	lib.is_model
	some ap in input.authorization_policies
	ap.action == "ALLOW"
	not ap.dry_run
	some i, rule in list(object.get(ap.spec, "rules", []))
	is_object(rule)
	path := identity_path(i, rule)
	some wi in ap.workloads
	w := input.workloads[wi]
	w.mesh in {"istio", "ambient"}
	why := weakness(w)
	key := sprintf("%d:%s/%s/%s", [i, w.ref.kind, w.namespace, w.ref.name])
	msg := sprintf("AuthorizationPolicy %s/%s rule %d allows callers by peer identity, but on %s %s/%s %s, so plaintext callers get past the proxy and then never match this rule (it fails closed for them)", [ap.namespace, ap.ref.name, i, w.ref.kind, w.namespace, w.ref.name, why])
}
