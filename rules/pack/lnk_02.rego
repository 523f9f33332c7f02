# METADATA
# title: ServerAuthorization admits clients without identity
# description: >-
#   A Linkerd ServerAuthorization with client.unauthenticated: true authorizes
#   any client, meshed or not, over plaintext; client.meshTLS.unauthenticatedTLS:
#   true authorizes any TLS client without checking its identity (it exists for
#   the identity controller, whose clients have no certificate yet). Either way
#   the Server it selects no longer knows, or restricts, who is calling, which
#   defeats identity-based least privilege.
# custom:
#   id: LNK-02
#   severity: HIGH
#   cde_raise: true
#   pci: ["7.2.5", "8.3.1"]
#   refs: ["NIST SP 800-204B SAUZ"]
#   kinds: [ServerAuthorization]
#   remediation: |-
#     Authorize the callers' mesh identities (service accounts) instead; for
#     new policy prefer AuthorizationPolicy with a MeshTLSAuthentication:
#       apiVersion: policy.linkerd.io/v1beta1
#       kind: ServerAuthorization
#       spec:
#         server:
#           name: ledger-http
#         client:
#           meshTLS:
#             serviceAccounts:
#             - name: checkout
#               namespace: shop
package meshproof.lnk_02

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, ["spec", "client", "unauthenticated"], "unauthenticated") if {
	lib.is_kind("policy.linkerd.io", "ServerAuthorization")
	input.spec.client.unauthenticated == true
	msg := sprintf("%s authorizes unauthenticated clients (client.unauthenticated: true)", [k8s.resource])
}

deny contains lib.result(msg, ["spec", "client", "meshTLS", "unauthenticatedTLS"], "unauthenticatedTLS") if {
	lib.is_kind("policy.linkerd.io", "ServerAuthorization")
	input.spec.client.meshTLS.unauthenticatedTLS == true
	msg := sprintf("%s authorizes TLS clients without checking their identity (client.meshTLS.unauthenticatedTLS: true)", [k8s.resource])
}
