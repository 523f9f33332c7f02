# METADATA
# title: External ServiceEntry in a CDE namespace exported mesh-wide
# description: >-
#   A ServiceEntry's exportTo says which namespaces see the service; with no
#   exportTo, or with "*", it is exported to every namespace (Istio's
#   default, unless meshConfig.defaultServiceExportTo narrows it). A
#   MESH_EXTERNAL ServiceEntry declared in the cardholder data environment
#   usually opens a route to a payment processor, an acquirer or a card
#   vault; exported mesh-wide, every sidecar of the mesh gets that route,
#   and under REGISTRY_ONLY every out-of-scope workload gains the egress
#   the CDE was granted. Exporting it to "." keeps it with the CDE
#   namespace.
# custom:
#   id: EGR-05
#   severity: MEDIUM
#   pci: ["1.3.2"]
#   input: mesh
#   remediation: |-
#     Export the ServiceEntry to its own namespace only (add the egress
#     gateway's namespace when traffic goes through it):
#       apiVersion: networking.istio.io/v1
#       kind: ServiceEntry
#       metadata:
#         name: psp-api
#         namespace: payments
#       spec:
#         hosts: ["api.psp.example.net"]
#         location: MESH_EXTERNAL
#         ports:
#         - {number: 443, name: tls, protocol: TLS}
#         resolution: DNS
#         exportTo: ["."]
package meshproof.egr_05

import data.meshproof.lib

# exported points at what makes the ServiceEntry visible mesh-wide: a "*"
# in exportTo, or exportTo itself when it is empty or absent (the path then
# resolves to spec).
exported(se) := [["spec", "exportTo", sprintf("%d", [stars[0]])], "its exportTo contains \"*\""] if {
	stars := [i | some i, ns in se.export_to; ns == "*"]
	count(stars) > 0
} else := [["spec", "exportTo"], "it has no exportTo, and meshConfig.defaultServiceExportTo exports it to every namespace"] if {
	count(se.export_to) == 0
	"*" in default_export
} else := [["spec", "exportTo"], "it has no exportTo, so it is exported to every namespace unless meshConfig.defaultServiceExportTo says otherwise (the mesh config is not in the input)"] if {
	count(se.export_to) == 0
	not input.mesh_config
}

default_export := input.mesh_config.default_service_export_to

deny contains lib.model_result(msg, se.ref, path, "") if {
	lib.is_model
	some se in input.service_entries
	se.location == "MESH_EXTERNAL"
	input.namespaces[se.namespace].scope == "cde"
	[path, why] := exported(se)
	msg := sprintf("MESH_EXTERNAL ServiceEntry %s/%s (%s) is in CDE namespace %s but visible mesh-wide: %s", [se.namespace, se.ref.name, concat(", ", se.hosts), se.namespace, why])
}
