# METADATA
# title: PeerAuthentication disables mTLS
# description: >-
#   A PeerAuthentication with mode DISABLE turns off mutual TLS for every
#   workload it selects: traffic is neither encrypted nor authenticated, and
#   identity-based authorization (principals, namespaces) never matches.
# custom:
#   id: MTLS-03
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1", "2.2.5", "4.2.1"]
#   refs: ["NIST SP 800-207 tenet 2", "NIST SP 800-204A SM-DR16"]
#   kinds: [PeerAuthentication]
#   remediation: |-
#     Require mutual TLS. If a client cannot do mTLS yet, move it into the mesh
#     rather than lowering the server's mode:
#       spec:
#         mtls:
#           mode: STRICT
package meshproof.mtls_03

import data.meshproof.lib

deny contains lib.result(msg, ["spec", "mtls", "mode"], "") if {
	lib.is_kind("security.istio.io", "PeerAuthentication")
	input.spec.mtls.mode == "DISABLE"
	msg := sprintf("PeerAuthentication %s/%s sets mtls.mode DISABLE: plaintext, unauthenticated traffic is accepted", [lib.namespace, lib.name])
}
