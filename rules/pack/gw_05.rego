# METADATA
# title: Gateway mutual TLS without a client CA
# description: >-
#   tls.mode MUTUAL or OPTIONAL_MUTUAL asks clients for a certificate, but
#   the gateway can check it only against a CA: caCertificates (a file),
#   caCertCredentialName, a tlsCertificates[] entry with caCertificates, or
#   the CA in the Secret named by credentialName or credentialNames (its
#   cacert or ca.crt key, or a "<name>-cacert" Secret). Without any of them
#   the client-certificate requirement cannot be enforced as intended:
#   Istio's validation rejects such a server, and if it is applied by other
#   means client certificates are not validated. Settings that use
#   credentialName(s) are not reported, since the Secret is not part of the
#   input (GW-08 covers Secrets). One finding per server.
# custom:
#   id: GW-05
#   severity: HIGH
#   pci: ["8.3.1", "4.2.1"]
#   kinds: [Gateway]
#   remediation: |-
#     Give the CA that signs client certificates, in the credential Secret
#     (key ca.crt or cacert) or as a file:
#       tls:
#         mode: MUTUAL
#         credentialName: pay-example-com   # tls.crt, tls.key and ca.crt
package meshproof.gw_05

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, path, sprintf("server %d", [i])) if {
	lib.is_kind("networking.istio.io", "Gateway")
	some i, server in input.spec.servers
	mode := server.tls.mode
	mode in {"MUTUAL", "OPTIONAL_MUTUAL"}
	not has_ca(server.tls)
	path := ["spec", "servers", istio.index(i), "tls", "mode"]
	msg := sprintf("%s server %d (port %v) uses tls.mode %s without caCertificates, caCertCredentialName or a credential Secret: client certificates cannot be validated", [istio.resource, i, server.port.number, mode])
}

has_ca(tls) if {
	some field in ["caCertificates", "caCertCredentialName", "credentialName"]
	object.get(tls, field, "") != ""
}

has_ca(tls) if {
	some name in tls.credentialNames
	name != ""
}

has_ca(tls) if {
	some cert in tls.tlsCertificates
	object.get(cert, "caCertificates", "") != ""
}
