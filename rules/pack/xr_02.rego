# METADATA
# title: hostNetwork pod in a meshed namespace
# description: >-
#   Istio and Linkerd never inject a proxy into pods with hostNetwork: true,
#   whatever the namespace says. Such a workload in a meshed namespace has no
#   mutual TLS and no authorization, and it shares the node's network stack,
#   so the namespace's policies do not cover it although they seem to.
# custom:
#   id: XR-02
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1"]
#   input: mesh
#   remediation: |-
#     Drop hostNetwork unless the workload is node infrastructure, and then
#     run it in a namespace outside the mesh and out of the CDE:
#       spec:
#         template:
#           spec:
#             hostNetwork: false
package meshproof.xr_02

import data.meshproof.lib

deny contains lib.model_result(msg, w.ref, array.concat(w.template_path, ["spec", "hostNetwork"]), "") if {
	lib.is_model
	some w in input.workloads
	w.host_network
	input.namespaces[w.namespace].injection in {"istio", "istio-revision", "linkerd"}
	msg := sprintf("%s %s/%s uses hostNetwork, so it is never injected although namespace %s is meshed", [w.ref.kind, w.namespace, w.ref.name, w.namespace])
}
