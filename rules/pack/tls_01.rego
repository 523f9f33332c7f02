# METADATA
# title: DestinationRule disables TLS to a destination
# description: >-
#   tls.mode DISABLE in a DestinationRule makes the client proxy send plain
#   text to the destination: no encryption, and no authentication of the
#   server, so anything on the path can read or alter the traffic. Inside
#   the mesh it also turns off Istio's automatic mTLS for that host, so a
#   STRICT server refuses the calls or gets relaxed to make them work. The
#   rule reads every level where ClientTLSSettings can appear:
#   spec.trafficPolicy.tls, spec.trafficPolicy.portLevelSettings[].tls,
#   spec.subsets[].trafficPolicy.tls and
#   spec.subsets[].trafficPolicy.portLevelSettings[].tls. One finding per
#   setting.
# custom:
#   id: TLS-01
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.2.6", "2.2.5", "4.2.1"]
#   refs: ["NIST SP 800-207 tenet 2"]
#   kinds: [DestinationRule]
#   remediation: |-
#     Use Istio mutual TLS for in-mesh hosts (or remove the tls block and let
#     auto mTLS choose), and originate TLS to external hosts:
#       spec:
#         host: ledger.payments.svc.cluster.local
#         trafficPolicy:
#           tls:
#             mode: ISTIO_MUTUAL
package meshproof.tls_01

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, array.concat(path, ["mode"]), label) if {
	some [path, label, tls] in istio.dr_tls
	tls.mode == "DISABLE"
	msg := sprintf("%s sets tls.mode DISABLE (%s) for host %s: traffic to it is sent in plain text", [istio.resource, label, object.get(input.spec, "host", "")])
}
