# METADATA
# title: CDE workload accepts plaintext (PERMISSIVE mTLS)
# description: >-
#   PERMISSIVE lets a workload accept both mutual TLS and plaintext. In the
#   cardholder data environment that means any pod that can reach the
#   workload talks to it unauthenticated and unencrypted, and
#   AuthorizationPolicies that name principals or namespaces never see an
#   identity for those requests. The effective mode is computed as Istio
#   composes PeerAuthentication: mesh, then namespace, then workload, then
#   port; with no policy at all the mode is PERMISSIVE.
# custom:
#   id: MTLS-02
#   severity: HIGH
#   pci: ["1.3.1", "2.2.5"]
#   refs: ["NIST SP 800-207 tenet 2", "NIST SP 800-207 tenet 6"]
#   input: mesh
#   remediation: |-
#     Set STRICT for the CDE namespace (or mesh-wide) and remove PERMISSIVE
#     overrides once every client has a sidecar:
#       apiVersion: security.istio.io/v1
#       kind: PeerAuthentication
#       metadata:
#         name: default
#         namespace: payments
#       spec:
#         mtls:
#           mode: STRICT
package meshproof.mtls_02

import data.meshproof.lib

meshed(w) if w.mesh in {"istio", "ambient"}

# The workload's own mode is PERMISSIVE, set by a policy.
deny contains lib.model_result(msg, w.ref, w.template_path, "") if {
	lib.is_model
	some w in input.workloads
	w.scope == "cde"
	meshed(w)
	w.mtls.mode == "PERMISSIVE"
	src := source(w)
	msg := sprintf("%s %s/%s is in the CDE but its effective mTLS mode is PERMISSIVE (%s): plaintext is accepted", [w.ref.kind, w.namespace, w.ref.name, src])
}

# A port of the workload is PERMISSIVE while the workload is not.
deny contains lib.model_result(msg, w.ref, w.template_path, port) if {
	lib.is_model
	some w in input.workloads
	w.scope == "cde"
	meshed(w)
	w.mtls.mode != "PERMISSIVE"
	some port, mode in w.mtls.ports
	mode == "PERMISSIVE"
	msg := sprintf("%s %s/%s is in the CDE but port %s is PERMISSIVE (PeerAuthentication %s/%s): plaintext is accepted on it", [w.ref.kind, w.namespace, w.ref.name, port, w.mtls.workload_policy.namespace, w.mtls.workload_policy.name])
}

source(w) := sprintf("set by PeerAuthentication %s/%s", [w.mtls.source.namespace, w.mtls.source.name]) if w.mtls.source

source(w) := "no PeerAuthentication sets a mode, so Istio's default applies" if not w.mtls.source
