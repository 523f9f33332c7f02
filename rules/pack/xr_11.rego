# METADATA
# title: CDE namespace without a default-deny NetworkPolicy
# description: >-
#   The sidecar enforces mesh policy, but a pod can bypass its own sidecar
#   (hostNetwork, a container with NET_ADMIN, an excluded port) and
#   non-meshed pods reach the CDE directly. A NetworkPolicy that selects
#   every pod of the namespace with no allowed ingress (and one with no
#   allowed egress) denies by default at the CNI layer, under the mesh.
# custom:
#   id: XR-11
#   severity: MEDIUM
#   cde_raise: true
#   pci: ["1.3.1", "1.3.2"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0030"]
#   input: mesh
#   remediation: |-
#     Deny all ingress and egress in the namespace, then allow the flows the
#     workloads need (including to istiod and DNS):
#       apiVersion: networking.k8s.io/v1
#       kind: NetworkPolicy
#       metadata:
#         name: default-deny
#         namespace: payments
#       spec:
#         podSelector: {}
#         policyTypes: [Ingress, Egress]
package meshproof.xr_11

import data.meshproof.lib

# types lists the directions a NetworkPolicy governs (policyTypes, or the
# API's default: Ingress, plus Egress when egress rules are present).
types(np) := {t | some t in np.policy_types} if count(object.get(np, "policy_types", [])) > 0

types(np) := {"Ingress"} | {"Egress" | count(object.get(np.spec, "egress", [])) > 0} if count(object.get(np, "policy_types", [])) == 0

rules_key := {"Ingress": "ingress", "Egress": "egress"}

# denies(ns, dir) holds when a policy selects every pod of ns, governs dir
# and allows nothing in that direction.
denies(ns, dir) if {
	some np in input.network_policies
	np.namespace == ns
	np.selects_all
	dir in types(np)
	count(object.get(np.spec, rules_key[dir], [])) == 0
}

deny contains lib.model_result(msg, ns.ref, ["metadata"], dir) if {
	lib.is_model
	some ns in input.namespaces
	ns.declared
	ns.scope == "cde"
	some dir in ["Ingress", "Egress"]
	not denies(ns.name, dir)
	msg := sprintf("namespace %s is in the CDE but no NetworkPolicy denies %s by default (podSelector: {} with policyTypes %s and no %s rules)", [ns.name, lower(dir), dir, rules_key[dir]])
}
