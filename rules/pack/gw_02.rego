# METADATA
# title: Gateway allows TLS 1.0 or 1.1
# description: >-
#   servers[].tls.minProtocolVersion TLSV1_0 or TLSV1_1 lets clients
#   negotiate TLS versions that PCI DSS no longer accepts as strong
#   cryptography (they lack modern cipher suites and are open to downgrade
#   and padding attacks); maxProtocolVersion TLSV1_0 or TLSV1_1 caps every
#   connection at one of them. Per the Gateway API reference the default
#   minimum is TLSV1_2, and TLS_AUTO leaves Envoy's defaults (minimum TLS
#   1.2, maximum TLS 1.3), so an unset field or TLS_AUTO is not reported.
#   Servers in PASSTHROUGH or AUTO_PASSTHROUGH mode do not terminate TLS and
#   ignore these fields, so they are skipped. The mesh-wide default
#   (meshConfig.tlsDefaults) is not a Gateway field and is not read here.
#   One finding per field.
# custom:
#   id: GW-02
#   severity: HIGH
#   pci: ["4.2.1", "2.2.5"]
#   kinds: [Gateway]
#   remediation: |-
#     Require TLS 1.2 or later (or leave the fields unset):
#       spec:
#         servers:
#         - port: {number: 443, name: https, protocol: HTTPS}
#           hosts: ["pay.example.com"]
#           tls:
#             mode: SIMPLE
#             credentialName: pay-example-com
#             minProtocolVersion: TLSV1_2
package meshproof.gw_02

import data.meshproof.lib
import data.meshproof.lib.istio

weak := {"TLSV1_0", "TLSV1_1"}

deny contains lib.result(msg, path, sprintf("server %d %s", [i, field])) if {
	lib.is_kind("networking.istio.io", "Gateway")
	some i, server in input.spec.servers
	not object.get(server.tls, "mode", "") in {"PASSTHROUGH", "AUTO_PASSTHROUGH"}
	some field in ["minProtocolVersion", "maxProtocolVersion"]
	version := server.tls[field]
	version in weak
	path := ["spec", "servers", istio.index(i), "tls", field]
	msg := sprintf("%s server %d (port %v) sets tls.%s %s: %s", [istio.resource, i, server.port.number, field, version, effect[field]])
}

effect := {
	"minProtocolVersion": "clients can negotiate a TLS version older than 1.2",
	"maxProtocolVersion": "no connection can use TLS 1.2 or later",
}
