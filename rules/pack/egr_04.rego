# METADATA
# title: Broad external ServiceEntry
# description: >-
#   A ServiceEntry with location MESH_EXTERNAL (the default when location is
#   not set) adds external destinations to the mesh's registry; with
#   outboundTrafficPolicy REGISTRY_ONLY it is what lets workloads leave the
#   cluster. Two forms open arbitrary egress. Hosts "*" or "*.<one label>"
#   ("*.com", "*.io") cover a whole top-level domain or the entire Internet.
#   resolution NONE (the default when resolution is not set) with no
#   addresses makes the proxy forward to whatever IP the client dialed:
#   Istio's reference warns that traffic to any IP on the port is then
#   allowed, and the host names only match a Host header or SNI the client
#   chooses. Wildcards under a registrable domain ("*.stripe.com") are not
#   reported; multi-label public suffixes such as "*.co.uk" are not
#   recognised. One finding per broad host, and one for the resolution.
# custom:
#   id: EGR-04
#   severity: HIGH
#   pci: ["1.3.2", "1.2.5"]
#   refs: ["NIST SP 800-204A SM-DR2"]
#   kinds: [ServiceEntry]
#   remediation: |-
#     Name the external hosts, and let the proxy resolve them (or pin their
#     addresses):
#       spec:
#         hosts: ["api.acquirer.example.com"]
#         location: MESH_EXTERNAL
#         ports:
#         - number: 443
#           name: tls
#           protocol: TLS
#         resolution: DNS
package meshproof.egr_04

import data.meshproof.lib
import data.meshproof.lib.istio

external if {
	lib.is_kind("networking.istio.io", "ServiceEntry")
	object.get(input.spec, "location", "MESH_EXTERNAL") == "MESH_EXTERNAL"
}

deny contains lib.result(msg, ["spec", "hosts", istio.index(j)], host) if {
	external
	some j, host in input.spec.hosts
	broad(host)
	msg := sprintf("%s is MESH_EXTERNAL with host %q: it admits egress to %s", [istio.resource, host, scope(host)])
}

broad("*") := true

broad(host) if regex.match(`^\*\.[^.*]+\.?$`, host)

scope("*") := "any host"

scope(host) := sprintf("any name under the top-level domain %s", [substring(host, 1, -1)]) if host != "*"

deny contains lib.result(msg, resolution_path, "resolution") if {
	external
	object.get(input.spec, "resolution", "NONE") == "NONE"
	not has_addresses
	msg := sprintf("%s is MESH_EXTERNAL with resolution NONE and no addresses: traffic to any IP on its ports is forwarded, whatever host the client names", [istio.resource])
}

has_addresses if {
	some address in input.spec.addresses
	address != ""
}

resolution_path := ["spec", "resolution"] if {
	"resolution" in object.keys(input.spec)
} else := ["spec"]
