# METADATA
# title: Dry-run AuthorizationPolicy in the CDE
# description: >-
#   With the annotation istio.io/dry-run set to true, Istio evaluates an
#   ALLOW or DENY policy in shadow mode: the result is logged and counted,
#   and the request goes on as if the policy did not exist. Dry-run is a
#   step of a rollout; left in place on a workload of the cardholder data
#   environment (or in a CDE namespace) it documents an access control that
#   is not in force, and the CDE is as open as without it. For CUSTOM
#   policies the effect depends on the Istio version (older istiod leaves
#   the external authorizer out altogether, recent istiod still calls it),
#   so what is enforced cannot be told from the manifests. AUDIT policies
#   enforce nothing either way and are not reported.
# custom:
#   id: AUTHZ-08
#   severity: MEDIUM
#   pci: ["1.3.1"]
#   input: mesh
#   remediation: |-
#     Once the dry-run logs show the policy behaves as intended, enforce it
#     by removing the annotation (or setting it to "false"):
#       apiVersion: security.istio.io/v1
#       kind: AuthorizationPolicy
#       metadata:
#         name: ledger-callers
#         namespace: payments
#       spec:
#         selector:
#           matchLabels: {app: ledger}
#         rules:
#         - from:
#           - source:
#               principals: ["cluster.local/ns/shop/sa/checkout"]
package meshproof.authz_08

import data.meshproof.lib

path := ["metadata", "annotations", "istio.io/dry-run"]

in_cde(ap) if {
	some wi in ap.workloads
	input.workloads[wi].scope == "cde"
}

in_cde(ap) if input.namespaces[ap.namespace].scope == "cde"

deny contains lib.model_result(msg, ap.ref, path, "") if {
	lib.is_model
	some ap in input.authorization_policies
	ap.dry_run
	ap.action in {"ALLOW", "DENY"}
	in_cde(ap)
	msg := sprintf("AuthorizationPolicy %s/%s applies to the CDE but is in dry-run mode (istio.io/dry-run): its %s rules are only logged, not enforced", [ap.namespace, ap.ref.name, ap.action])
}

deny contains lib.model_result(msg, ap.ref, path, "") if {
	lib.is_model
	some ap in input.authorization_policies
	ap.dry_run
	ap.action == "CUSTOM"
	in_cde(ap)
	msg := sprintf("CUSTOM AuthorizationPolicy %s/%s applies to the CDE but is in dry-run mode (istio.io/dry-run), whose effect on CUSTOM policies depends on the Istio version, so whether its external authorizer is enforced cannot be told", [ap.namespace, ap.ref.name])
}
