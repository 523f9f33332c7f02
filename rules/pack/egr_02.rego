# METADATA
# title: CDE namespace without Sidecar egress scoping
# description: >-
#   Without a Sidecar resource, every proxy in the namespace is configured
#   with every service of the mesh and may call any of them. A selectorless
#   Sidecar in the CDE namespace (or the root namespace) whose egress lists
#   the hosts the namespace needs narrows what its workloads can reach, and
#   makes the allowed outbound flows a reviewed list (PCI DSS 1.3.2, 1.2.5).
#   A Sidecar whose egress hosts include "*/*" scopes nothing and does not
#   count.
# custom:
#   id: EGR-02
#   severity: MEDIUM
#   pci: ["1.3.2", "1.2.5"]
#   refs: ["NIST SP 800-204A SM-DR2"]
#   input: mesh
#   remediation: |-
#     Add a default Sidecar to the namespace listing what it may reach:
#       apiVersion: networking.istio.io/v1
#       kind: Sidecar
#       metadata:
#         name: default
#         namespace: payments
#       spec:
#         egress:
#         - hosts:
#           - "./*"
#           - "istio-system/*"
#         outboundTrafficPolicy:
#           mode: REGISTRY_ONLY
package meshproof.egr_02

import data.meshproof.lib

# default_sidecars lists the selectorless Sidecars that apply to ns: its
# own, or, when it has none, the root namespace's (Istio applies the root
# one only to namespaces without a Sidecar of their own).
default_sidecars(ns) := own if {
	own := [sc | some sc in input.sidecars; sc.namespace == ns; count(sc.selector) == 0]
	count(own) > 0
} else := [sc | some sc in input.sidecars; sc.namespace == input.root_namespace; count(sc.selector) == 0]

scoped(ns) if {
	some sc in default_sidecars(ns)
	count(sc.egress_hosts) > 0
	not "*/*" in sc.egress_hosts
}

deny contains lib.model_result(msg, ns.ref, ["metadata"], "") if {
	lib.is_model
	some ns in input.namespaces
	ns.declared
	ns.scope == "cde"
	not scoped(ns.name)
	msg := sprintf("namespace %s is in the CDE but no default Sidecar scopes its egress: its proxies can reach every service in the mesh", [ns.name])
}
