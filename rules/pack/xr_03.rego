# METADATA
# title: AuthorizationPolicy selects no workload
# description: >-
#   The policy's selector matches the pod-template labels of no workload in
#   its namespace (any namespace for a policy in the root namespace), so it
#   is not applied anywhere: the access control it describes is not in
#   force, usually because of a label typo. The rule only looks at namespaces
#   whose workloads are in the input, to avoid guessing about workloads
#   defined elsewhere.
# custom:
#   id: XR-03
#   severity: MEDIUM
#   cde_raise: true
#   pci: ["7.2.1", "7.3.1"]
#   istioctl: IST0127
#   input: mesh
#   remediation: |-
#     Make the selector match the labels of the pod template (not of the
#     Deployment itself):
#       spec:
#         selector:
#           matchLabels:
#             app: ledger    # as in spec.template.metadata.labels
package meshproof.xr_03

import data.meshproof.lib

has_workloads(ns) if {
	some w in input.workloads
	w.namespace == ns
}

has_workloads(ns) if {
	ns == input.root_namespace
	count(input.workloads) > 0
}

deny contains lib.model_result(msg, ap.ref, ["spec", "selector"], "") if {
	lib.is_model
	some ap in input.authorization_policies
	count(ap.selector) > 0
	not ap.target_refs
	count(ap.workloads) == 0
	has_workloads(ap.namespace)
	msg := sprintf("AuthorizationPolicy %s/%s selects no workload: no pod template in %s has the labels %v", [ap.namespace, ap.ref.name, scope(ap), ap.selector])
}

scope(ap) := "any namespace" if ap.mesh_wide

scope(ap) := sprintf("namespace %s", [ap.namespace]) if not ap.mesh_wide
