# METADATA
# title: Port-level mTLS weakened
# description: >-
#   spec.portLevelMtls overrides the workload's mTLS mode for one port. A port
#   set to DISABLE or PERMISSIVE accepts plaintext, unauthenticated
#   connections even when the workload (or its namespace or the mesh) is
#   STRICT: the carve-out bypasses STRICT for everything that reaches that
#   port, and AuthorizationPolicies that match principals or namespaces see
#   no identity on those requests. Istio applies portLevelMtls only on a
#   policy with a workload selector (a selectorless policy with
#   portLevelMtls is rejected by Istio's validation and otherwise ignored), so
#   only policies with a non-empty selector.matchLabels are reported. The
#   port is the workload's container port, not the Service port. One finding
#   per weakened port.
# custom:
#   id: MTLS-04
#   severity: HIGH
#   pci: ["1.2.6", "2.2.5"]
#   refs: ["NIST SP 800-207 tenet 2"]
#   kinds: [PeerAuthentication]
#   remediation: |-
#     Remove the port override (or set it to STRICT) and give the client on
#     that port a sidecar; document any port that must stay plaintext as a
#     justified exception:
#       spec:
#         selector:
#           matchLabels: {app: ledger}
#         mtls:
#           mode: STRICT
#         portLevelMtls:
#           8080:
#             mode: STRICT
package meshproof.mtls_04

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, ["spec", "portLevelMtls", port, "mode"], port) if {
	lib.is_kind("security.istio.io", "PeerAuthentication")
	count(object.get(input.spec, ["selector", "matchLabels"], {})) > 0
	some key, setting in input.spec.portLevelMtls
	port := sprintf("%v", [key])
	mode := setting.mode
	mode in {"DISABLE", "PERMISSIVE"}
	msg := sprintf("%s sets mTLS mode %s on port %s: %s", [istio.resource, mode, port, effect[mode]])
}

effect := {
	"DISABLE": "the port takes only plaintext, with no peer authentication",
	"PERMISSIVE": "the port accepts plaintext as well as mTLS",
}
