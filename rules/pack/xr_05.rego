# METADATA
# title: Identity-based DENY on a workload that accepts plaintext
# description: >-
#   source.principals, source.namespaces and source.serviceAccounts only
#   match requests that arrive over mutual TLS: a plaintext request carries
#   no peer identity. A DENY rule built on them therefore never matches a
#   plaintext request, and on a workload whose effective mode is PERMISSIVE
#   or DISABLE the caller it means to block simply connects without TLS and
#   gets through.
# custom:
#   id: XR-05
#   severity: HIGH
#   cde_raise: true
#   pci: ["7.2.1", "1.3.1"]
#   input: mesh
#   remediation: |-
#     Make the workload STRICT so that every request carries an identity, or
#     express the policy as an ALLOW list (which fails closed for plaintext):
#       apiVersion: security.istio.io/v1
#       kind: PeerAuthentication
#       metadata:
#         name: default
#         namespace: payments
#       spec:
#         mtls:
#           mode: STRICT
package meshproof.xr_05

import data.meshproof.lib

identity_fields := {"principals", "namespaces", "serviceAccounts"}

# identity_rule holds when a rule's sources match on peer identity.
identity_rule(rule) if {
	some f in object.get(rule, "from", [])
	some field in identity_fields
	count(object.get(object.get(f, "source", {}), field, [])) > 0
}

weak(w) if w.mtls.mode in {"PERMISSIVE", "DISABLE"}

weak(w) if {
	some mode in object.get(w.mtls, "ports", {})
	mode in {"PERMISSIVE", "DISABLE"}
}

deny contains lib.model_result(msg, ap.ref, ["spec", "rules", sprintf("%d", [i]), "from"], sprintf("%d:%s/%s", [i, w.namespace, w.ref.name])) if {
	lib.is_model
	some ap in input.authorization_policies
	ap.action == "DENY"
	some i, rule in object.get(ap.spec, "rules", [])
	identity_rule(rule)
	some wi in ap.workloads
	w := input.workloads[wi]
	w.mesh in {"istio", "ambient"}
	weak(w)
	msg := sprintf("AuthorizationPolicy %s/%s denies by peer identity (rule %d), but %s %s/%s accepts plaintext (mTLS %s), where no identity is presented: the DENY is bypassed", [ap.namespace, ap.ref.name, i, w.ref.kind, w.namespace, w.ref.name, w.mtls.mode])
}
