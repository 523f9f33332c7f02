# METADATA
# title: CDE workload not covered by an ALLOW AuthorizationPolicy
# description: >-
#   Istio allows every request to a workload that no ALLOW
#   AuthorizationPolicy selects (DENY policies only take away). A workload in
#   the cardholder data environment without one accepts calls from any
#   workload that can reach it, which is the opposite of "deny all but what is
#   needed".
# custom:
#   id: XR-09
#   severity: HIGH
#   pci: ["1.3.1", "7.2.1", "7.3.1"]
#   refs: ["NIST SP 800-207 tenet 6", "NIST SP 800-204B SAUZ"]
#   input: mesh
#   remediation: |-
#     Deny by default in the namespace, then allow the callers that need the
#     workload:
#       apiVersion: security.istio.io/v1
#       kind: AuthorizationPolicy
#       metadata:
#         name: deny-all
#         namespace: payments
#       spec: {}
package meshproof.xr_09

import data.meshproof.lib

deny contains lib.model_result(msg, w.ref, w.template_path, "") if {
	lib.is_model
	some w in input.workloads
	w.scope == "cde"
	not w.authorization.has_allow
	msg := sprintf("%s %s/%s is in the CDE but no ALLOW AuthorizationPolicy selects it: every caller that can reach it is allowed", [w.ref.kind, w.namespace, w.ref.name])
}
