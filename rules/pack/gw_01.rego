# METADATA
# title: Gateway HTTP server without HTTPS redirect
# description: >-
#   A Gateway server with port.protocol HTTP serves requests in clear text
#   unless tls.httpsRedirect is true, in which case the gateway answers
#   every request with a 301 to https. At an ingress gateway that is
#   traffic over the open Internet: credentials, session cookies and
#   cardholder data can be read or changed on the way, and clients that
#   start on http never move to TLS. Every HTTP server without
#   httpsRedirect: true is reported, whether or not its hosts are also served
#   on an HTTPS port (if they are not, the fix is to add an HTTPS server).
#   Servers with protocol HTTP2 or GRPC are not covered by this rule. The
#   rule cannot tell an egress gateway from an ingress one: an egress
#   gateway's HTTP server that only receives Istio mTLS from sidecars is
#   reported too and can be waived.
# custom:
#   id: GW-01
#   severity: HIGH
#   pci: ["4.2.1", "1.4.2"]
#   refs: ["NIST SP 800-207 tenet 2"]
#   kinds: [Gateway]
#   remediation: |-
#     Redirect http to https on the HTTP server, and serve the hosts on an
#     HTTPS server:
#       spec:
#         servers:
#         - port: {number: 80, name: http, protocol: HTTP}
#           hosts: ["pay.example.com"]
#           tls:
#             httpsRedirect: true
#         - port: {number: 443, name: https, protocol: HTTPS}
#           hosts: ["pay.example.com"]
#           tls:
#             mode: SIMPLE
#             credentialName: pay-example-com
package meshproof.gw_01

import data.meshproof.lib
import data.meshproof.lib.istio

deny contains lib.result(msg, path, sprintf("server %d", [i])) if {
	lib.is_kind("networking.istio.io", "Gateway")
	some i, server in input.spec.servers
	upper(server.port.protocol) == "HTTP"
	not server.tls.httpsRedirect == true
	path := field_path(i, server)
	msg := sprintf("%s server %d (port %v, hosts %s) serves plain HTTP without tls.httpsRedirect: true", [istio.resource, i, server.port.number, concat(", ", object.get(server, "hosts", []))])
}

# field_path points at httpsRedirect when it is set to false, else at the
# server's protocol.
field_path(i, server) := ["spec", "servers", istio.index(i), "tls", "httpsRedirect"] if {
	"httpsRedirect" in object.keys(object.get(server, "tls", {}))
} else := ["spec", "servers", istio.index(i), "port", "protocol"]
