# METADATA
# title: CDE egress not routed through an egress gateway
# description: >-
#   REGISTRY_ONLY and ServiceEntries are enforced by the calling workload's
#   own sidecar, which a compromised pod can bypass. Istio recommends sending
#   external traffic through an egress gateway (where policy, logging and a
#   NetworkPolicy chokepoint apply) with a VirtualService that routes the
#   host from the mesh to the gateway. This rule reports MESH_EXTERNAL
#   ServiceEntries of CDE namespaces whose hosts have no VirtualService
#   binding both "mesh" and a gateway.
# custom:
#   id: EGR-07
#   severity: MEDIUM
#   pci: ["1.3.2"]
#   input: mesh
#   remediation: |-
#     Route the external host through the egress gateway:
#       apiVersion: networking.istio.io/v1
#       kind: VirtualService
#       metadata:
#         name: payments-db
#         namespace: payments
#       spec:
#         hosts: [payments-db.db.internal]
#         gateways: [mesh, istio-system/egress]
#         tcp:
#         - match:
#           - gateways: [mesh]
#             port: 5432
#           route:
#           - destination:
#               host: istio-egressgateway.istio-system.svc.cluster.local
#               port: {number: 5432}
#         - match:
#           - gateways: [istio-system/egress]
#             port: 5432
#           route:
#           - destination:
#               host: payments-db.db.internal
#               port: {number: 5432}
package meshproof.egr_07

import data.meshproof.lib

routed(se) if {
	some vi in se.virtual_services
	vs := input.virtual_services[vi]
	"mesh" in vs.gateways
	some g in vs.gateways
	g != "mesh"
}

deny contains lib.model_result(msg, se.ref, ["spec", "hosts"], "") if {
	lib.is_model
	some se in input.service_entries
	se.location == "MESH_EXTERNAL"
	input.namespaces[se.namespace].scope == "cde"
	not routed(se)
	msg := sprintf("ServiceEntry %s/%s lets CDE workloads reach %s directly, not through an egress gateway", [se.namespace, se.ref.name, concat(", ", se.hosts)])
}
