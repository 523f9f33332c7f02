# METADATA
# title: PeerAuthentication ignored by Istio in whole or in part
# description: >-
#   Some PeerAuthentications say something Istio does not do. A policy with
#   a selector in the root namespace is ignored altogether (mesh-wide
#   policies have no selector; workload policies live in the workload's
#   namespace). portLevelMtls on a policy without a selector is ignored
#   (port-level settings only apply to workload policies, and recent CRDs
#   refuse them). A mode other than UNSET, DISABLE, PERMISSIVE or STRICT is
#   refused by the CRD's schema, so the policy never reaches istiod. In
#   every case the mTLS posture the manifest describes (often a STRICT
#   requirement, or a carefully scoped exception) is not the one in force,
#   and reviews of the YAML draw the wrong conclusion.
# custom:
#   id: MTLS-07
#   severity: MEDIUM
#   pci: ["1.2.1"]
#   input: mesh
#   remediation: |-
#     Move workload policies out of the root namespace into the workload's
#     namespace, give port-level settings a selector, and use a valid mode:
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
#         portLevelMtls:
#           9090:
#             mode: STRICT
package meshproof.mtls_07

import data.meshproof.lib

modes := {"UNSET", "DISABLE", "PERMISSIVE", "STRICT"}

# ignored_path points at the part Istio ignores, in the order the model
# gives the reason: root-namespace selector, invalid mode, port-level
# settings without a selector.
ignored_path(pa) := ["spec", "selector"] if {
	pa.namespace == input.root_namespace
	count(pa.selector) > 0
} else := ["spec", "mtls", "mode"] if {
	not pa.mode in modes
} else := ["spec", "portLevelMtls", port, "mode"] if {
	bad := sort([p | some p, mode in pa.ports; not mode in modes])
	count(bad) > 0
	port := bad[0]
} else := ["spec", "portLevelMtls"]

deny contains lib.model_result(msg, pa.ref, ignored_path(pa), "") if {
	lib.is_model
	some pa in input.peer_authentications
	pa.ignored != ""
	msg := sprintf("PeerAuthentication %s/%s is not applied as written: %s", [pa.namespace, pa.ref.name, pa.ignored])
}
