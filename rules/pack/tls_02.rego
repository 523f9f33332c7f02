# METADATA
# title: DestinationRule skips server certificate verification
# description: >-
#   tls.insecureSkipVerify true makes the client proxy accept any certificate
#   the destination presents: it checks neither the CA signature nor the
#   subject alternative names. The connection is encrypted but not
#   authenticated, so anyone who can intercept or redirect the traffic (DNS,
#   a compromised egress path, a spoofed ServiceEntry address) can pose as
#   the destination and read the data. istioctl analyze does not report
#   this setting. The rule reads every level where ClientTLSSettings can
#   appear (trafficPolicy, its portLevelSettings, and both under each
#   subset). One finding per setting.
# custom:
#   id: TLS-02
#   severity: CRITICAL
#   pci: ["4.2.1"]
#   refs: ["NIST SP 800-207 tenet 2"]
#   kinds: [DestinationRule]
#   remediation: |-
#     Verify the server: remove insecureSkipVerify and give the CA that signs
#     the destination's certificate, plus the names it must present:
#       spec:
#         host: api.acquirer.example.com
#         trafficPolicy:
#           tls:
#             mode: SIMPLE
#             caCertificates: /etc/acquirer/ca.pem
#             subjectAltNames: ["api.acquirer.example.com"]
#             sni: api.acquirer.example.com
package meshproof.tls_02

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, array.concat(path, ["insecureSkipVerify"]), label) if {
	some [path, label, tls] in istio.dr_tls
	tls.insecureSkipVerify == true
	msg := sprintf("%s sets tls.insecureSkipVerify (%s) for host %s: the server's certificate is not verified", [istio.resource, label, object.get(input.spec, "host", "")])
}
