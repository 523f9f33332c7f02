# METADATA
# title: Workload opts out of injection in an injected namespace
# description: >-
#   The namespace turns sidecar injection on, but the workload's pod template
#   opts out with sidecar.istio.io/inject "false" (the label, or the
#   deprecated annotation when there is no label). Its pods run without a
#   proxy: a silent hole in a namespace that looks meshed, reachable in
#   plaintext and outside every AuthorizationPolicy.
# custom:
#   id: XR-01
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1", "11.4.5"]
#   istioctl: IST0103
#   input: mesh
#   remediation: |-
#     Remove the opt-out from the pod template (or move the workload to a
#     namespace outside the mesh and out of scope, and document why):
#       template:
#         metadata:
#           labels:
#             app: ledger
#             # no sidecar.istio.io/inject: "false"
package meshproof.xr_01

import data.meshproof.lib

deny contains lib.model_result(msg, w.ref, path, "") if {
	lib.is_model
	some w in input.workloads
	input.namespaces[w.namespace].injection in {"istio", "istio-revision"}
	w.mesh == "none"
	w.opted_out
	not w.host_network
	path := opt_out_path(w)
	msg := sprintf("%s %s/%s opts out of sidecar injection in namespace %s, which has injection enabled", [w.ref.kind, w.namespace, w.ref.name, w.namespace])
}

opt_out_path(w) := array.concat(w.template_path, ["metadata", "labels", "sidecar.istio.io/inject"]) if {
	w.labels["sidecar.istio.io/inject"]
} else := array.concat(w.template_path, ["metadata", "annotations", "sidecar.istio.io/inject"])
