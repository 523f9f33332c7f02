# METADATA
# title: Conflicting Sidecar resources
# description: >-
#   A namespace may have one Sidecar without a workloadSelector (the default
#   for its pods), and a workload should be selected by at most one Sidecar
#   with a selector. Istio documents the behaviour as undefined otherwise:
#   which egress hosts, outbound traffic policy and ingress listeners a
#   proxy gets depends on istiod's internals, so the egress scoping of CDE
#   workloads (PCI DSS 1.3.2) cannot be read from the manifests, and may
#   change between istiod versions or restarts. Each Sidecar involved is
#   reported: a selectorless one at its name, a selector one at its
#   workloadSelector, once per workload it shares with another Sidecar.
# custom:
#   id: XR-14
#   severity: MEDIUM
#   pci: ["1.3.2"]
#   istioctl: IST0111, IST0110
#   input: mesh
#   remediation: |-
#     Merge the selectorless Sidecars of a namespace into one named default,
#     and make workload selectors disjoint:
#       apiVersion: networking.istio.io/v1
#       kind: Sidecar
#       metadata:
#         name: default
#         namespace: payments
#       spec:
#         egress:
#         - hosts: ["./*", "istio-system/*"]
#         outboundTrafficPolicy:
#           mode: REGISTRY_ONLY
package meshproof.xr_14

import data.meshproof.lib

deny contains lib.model_result(msg, sc.ref, ["metadata", "name"], "") if {
	lib.is_model
	some sc in input.sidecars
	count(sc.selector) == 0
	others := sort([o.ref.name |
		some o in input.sidecars
		o.namespace == sc.namespace
		count(o.selector) == 0
		o.ref.id != sc.ref.id
	])
	count(others) > 0
	msg := sprintf("Sidecar %s/%s is one of %d Sidecars without a workloadSelector in namespace %s, with %s: which one configures its proxies is undefined", [sc.namespace, sc.ref.name, count(others) + 1, sc.namespace, concat(", ", others)])
}

deny contains lib.model_result(msg, sc.ref, ["spec", "workloadSelector"], key) if {
	lib.is_model
	some sc in input.sidecars
	count(sc.selector) > 0
	some wi in sc.workloads
	others := sort([o.ref.name |
		some o in input.sidecars
		o.ref.id != sc.ref.id
		wi in o.workloads
	])
	count(others) > 0
	w := input.workloads[wi]
	key := sprintf("%s/%s", [w.ref.kind, w.ref.name])
	msg := sprintf("Sidecar %s/%s selects %s %s/%s, also selected by Sidecar %s: which one configures its proxy is undefined", [sc.namespace, sc.ref.name, w.ref.kind, w.namespace, w.ref.name, concat(", ", others)])
}
