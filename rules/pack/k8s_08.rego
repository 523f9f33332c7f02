# METADATA
# title: CDE workload runs as a default or shared ServiceAccount
# description: >-
#   In Istio a workload's identity is its ServiceAccount: the certificate
#   its proxy presents says spiffe://<trust domain>/ns/<namespace>/sa/<name>,
#   and AuthorizationPolicies allow callers by that principal. A workload
#   in the cardholder data environment that runs as the namespace's default
#   ServiceAccount (no serviceAccountName), or shares its ServiceAccount
#   with another workload of the namespace, cannot be told apart from them:
#   a policy that lets it call the card vault lets every pod with the same
#   account call it too, and its Kubernetes API permissions are shared as
#   well. One ServiceAccount per workload keeps identities, and the access
#   granted to them, individual (PCI DSS 7.2.5, 8.2.2).
# custom:
#   id: K8S-08
#   severity: HIGH
#   pci: ["7.2.5", "8.2.2"]
#   refs: ["NIST SP 800-204B SAUZ"]
#   input: mesh
#   remediation: |-
#     Give the workload a ServiceAccount of its own and name it in the pod
#     template:
#       apiVersion: v1
#       kind: ServiceAccount
#       metadata:
#         name: ledger
#         namespace: payments
#       automountServiceAccountToken: false
#       ---
#       # in the Deployment
#       spec:
#         template:
#           spec:
#             serviceAccountName: ledger
package meshproof.k8s_08

import data.meshproof.lib

# The path of serviceAccountName; when it is not set, the line falls back to
# the pod template's spec.
sa_path(w) := array.concat(w.template_path, ["spec", "serviceAccountName"])

# sharing lists the other workloads that run as w's service account (the
# model groups them: a comprehension per workload would be quadratic).
sharing(w) := sort([sprintf("%s %s", [o.ref.kind, o.ref.name]) |
	some wi in input.service_accounts[sprintf("%s/%s", [w.namespace, w.service_account])]
	o := input.workloads[wi]
	o.ref.id != w.ref.id
])

deny contains lib.model_result(msg, w.ref, sa_path(w), w.service_account) if {
	lib.is_model
	some w in input.workloads
	w.scope == "cde"
	w.service_account == "default"
	msg := sprintf("%s %s/%s is in the CDE but runs as the default ServiceAccount, so its mesh identity %s is that of every pod in the namespace that names none", [w.ref.kind, w.namespace, w.ref.name, w.spiffe_id])
}

deny contains lib.model_result(msg, w.ref, sa_path(w), w.service_account) if {
	lib.is_model
	some w in input.workloads
	w.scope == "cde"
	w.service_account != "default"
	others := sharing(w)
	count(others) > 0
	msg := sprintf("%s %s/%s is in the CDE but shares ServiceAccount %s with %s, so its mesh identity %s does not tell them apart", [w.ref.kind, w.namespace, w.ref.name, w.service_account, concat(", ", others), w.spiffe_id])
}
