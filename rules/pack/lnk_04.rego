# METADATA
# title: NetworkAuthentication covers every address
# description: >-
#   A Linkerd NetworkAuthentication authenticates a client by its source
#   address alone. A network whose CIDR has prefix length 0 (0.0.0.0/0, ::/0)
#   and no except list matches every client, meshed or not, in the cluster or
#   outside it, so any AuthorizationPolicy that requires it allows everyone:
#   network-based allow-all dressed as an authentication. (Linkerd's examples
#   use such a network for kubelet probes; confine that to the probe routes.)
# custom:
#   id: LNK-04
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1"]
#   kinds: [NetworkAuthentication]
#   remediation: |-
#     List the networks that really need access (and carve out the rest with
#     except), or authenticate clients by mesh identity with a
#     MeshTLSAuthentication instead:
#       apiVersion: policy.linkerd.io/v1alpha1
#       kind: NetworkAuthentication
#       spec:
#         networks:
#         - cidr: 10.40.0.0/16
#           except: ["10.40.99.0/24"]
package meshproof.lnk_04

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, ["spec", "networks", k8s.index(i), "cidr"], sprintf("network %d", [i])) if {
	lib.is_kind("policy.linkerd.io", "NetworkAuthentication")
	some i, network in input.spec.networks
	cidr := network.cidr
	is_string(cidr)
	parts := split(trim_space(cidr), "/")
	count(parts) == 2
	parts[1] == "0"
	no_except(network)
	msg := sprintf("%s network %d (cidr %s, no except) authenticates every client address", [k8s.resource, i, cidr])
}

no_except(network) if object.get(network, "except", null) == null

no_except(network) if count(network.except) == 0
