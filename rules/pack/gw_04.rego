# METADATA
# title: Gateway server accepts any host
# description: >-
#   A Gateway server host selects the VirtualServices that can bind to it.
#   "*" (a host without a namespace is taken from any namespace) and "*/*"
#   let a VirtualService in any namespace, for any host name, attach routes
#   to the gateway, so whoever can create a VirtualService anywhere in the
#   cluster can publish a service through the edge. The hosts exposed are
#   then not identified or approved in one place. Hosts restricted to a
#   namespace ("payments/*") or a name ("*/pay.example.com") are not
#   reported. One finding per such host.
# custom:
#   id: GW-04
#   severity: MEDIUM
#   pci: ["1.4.2", "1.2.5"]
#   kinds: [Gateway]
#   remediation: |-
#     List the host names the gateway serves, and the namespace of the
#     VirtualServices that may bind them:
#       spec:
#         servers:
#         - port: {number: 443, name: https, protocol: HTTPS}
#           hosts: ["payments/pay.example.com"]
#           tls:
#             mode: SIMPLE
#             credentialName: pay-example-com
package meshproof.gw_04

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, path, sprintf("server %d %s", [i, host])) if {
	lib.is_kind("networking.istio.io", "Gateway")
	some i, server in input.spec.servers
	some j, host in server.hosts
	host in {"*", "*/*"}
	path := ["spec", "servers", istio.index(i), "hosts", istio.index(j)]
	msg := sprintf("%s server %d (port %v) has host %q: a VirtualService in any namespace can bind any host name to it", [istio.resource, i, server.port.number, host])
}
