# METADATA
# title: TLS origination without an explicit CA
# description: >-
#   A DestinationRule with tls.mode SIMPLE or MUTUAL and neither
#   caCertificates nor credentialName verifies the server against the
#   proxy's operating-system CA bundle: any public CA can issue a
#   certificate that is accepted for the destination, and a private CA
#   cannot be pinned. With credentialName the CA comes from the referenced
#   Secret (its cacert or ca.crt key, or a "<name>-cacert" Secret), so such
#   settings are not reported; note that Istio applies credentialName at
#   sidecars only when the DestinationRule has a workloadSelector (otherwise
#   only at gateways). Settings that also set insecureSkipVerify are left to
#   TLS-02. Unlike istioctl's IST0128/IST0129, which look only at
#   trafficPolicy and its portLevelSettings and ignore credentialName, the
#   rule also reads subsets. One finding per setting.
# custom:
#   id: TLS-03
#   severity: LOW
#   cde_raise: true
#   pci: ["4.2.1", "4.2.1.1"]
#   istioctl: IST0128
#   kinds: [DestinationRule]
#   remediation: |-
#     Pin the CA that signs the destination's certificate, from a file or a
#     Secret (with its cacert key):
#       spec:
#         host: api.acquirer.example.com
#         trafficPolicy:
#           tls:
#             mode: SIMPLE
#             caCertificates: /etc/acquirer/ca.pem
#             sni: api.acquirer.example.com
package meshproof.tls_03

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, array.concat(path, ["mode"]), label) if {
	some [path, label, tls] in istio.dr_tls
	tls.mode in {"SIMPLE", "MUTUAL"}
	not has_value(tls, "caCertificates")
	not has_value(tls, "credentialName")
	not tls.insecureSkipVerify == true
	msg := sprintf("%s originates %s TLS (%s) to host %s without caCertificates or credentialName: any CA the proxy's OS trusts is accepted", [istio.resource, tls.mode, label, object.get(input.spec, "host", "")])
}

has_value(obj, field) if object.get(obj, field, "") != ""
