# METADATA
# title: Gateway TLS credential missing or invalid
# description: >-
#   A Gateway server's credentialName (or credentialNames) names the
#   Kubernetes Secret that holds its certificate and key; Istio looks for it
#   in the namespace of the gateway workload. A Secret whose certificate has
#   expired (or is not valid yet), or whose tls.crt holds no parsable
#   certificate, makes the gateway fail the TLS handshake or fall back to a
#   certificate clients should not trust: either cardholder data stops
#   flowing or clients learn to click through warnings. The certificate is
#   checked against the time of the check. When the Secret is not in the
#   input (it is often created out of band by cert-manager or a vault
#   operator) the credential cannot be assessed.
# custom:
#   id: GW-08
#   severity: HIGH
#   pci: ["4.2.1"]
#   istioctl: IST0161, IST0101
#   input: mesh
#   remediation: |-
#     Renew the certificate (cert-manager does it before expiry) in a TLS
#     Secret in the gateway workload's namespace, named as credentialName:
#       apiVersion: cert-manager.io/v1
#       kind: Certificate
#       metadata:
#         name: pay-example-com
#         namespace: istio-ingress
#       spec:
#         secretName: pay-example-com
#         dnsNames: ["pay.example.com"]
#         issuerRef:
#           kind: ClusterIssuer
#           name: public-ca
package meshproof.gw_08

import data.meshproof.lib

key(c) := sprintf("%s %s/%s", [concat(".", c.path), c.namespace, c.name])

deny contains lib.model_result(msg, g.ref, c.path, key(c)) if {
	lib.is_model
	some g in input.gateways
	some c in g.credentials
	c.found
	problem := object.get(c, "problem", "")
	problem != ""
	msg := sprintf("Gateway %s/%s serves TLS with credential %s, but Secret %s/%s is unusable: %s", [g.namespace, g.ref.name, c.name, c.namespace, c.name, problem])
}

deny contains lib.not_assessed(msg, g.ref, c.path, key(c), reason) if {
	lib.is_model
	some g in input.gateways
	some c in g.credentials
	not c.found
	msg := sprintf("Gateway %s/%s serves TLS with credential %s; whether its certificate is present and valid cannot be told", [g.namespace, g.ref.name, c.name])
	reason := sprintf("Secret %s/%s (the credential, in the gateway workload's namespace) is not in the input", [c.namespace, c.name])
}
