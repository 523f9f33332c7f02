# METADATA
# title: Several namespace-wide or mesh-wide PeerAuthentications compete
# description: >-
#   Istio applies one PeerAuthentication without a selector per namespace
#   (and one in the root namespace for the whole mesh): when there are
#   several, istiod keeps the oldest by creation time and ignores the
#   others with a warning in its log. Creation time is set by the API
#   server, not by the manifests, so which mTLS mode is in force (STRICT or
#   PERMISSIVE, say) depends on the order the objects were applied in, and
#   may change when the cluster is rebuilt from the same YAML. meshproof
#   assumes the weakest candidate for its other checks; the configuration
#   itself should leave no choice. Each competing policy is reported.
# custom:
#   id: MTLS-06
#   severity: MEDIUM
#   pci: ["1.2.1"]
#   input: mesh
#   remediation: |-
#     Keep a single selectorless policy per namespace (name it default) and
#     delete or merge the others; use a selector for workload exceptions:
#       apiVersion: security.istio.io/v1
#       kind: PeerAuthentication
#       metadata:
#         name: default
#         namespace: payments
#       spec:
#         mtls:
#           mode: STRICT
package meshproof.mtls_06

import data.meshproof.lib

# selectorless holds for mesh- and namespace-level policies that Istio
# would apply (level workload means a selector).
selectorless(pa) if {
	pa.in_force
	pa.level in {"mesh", "namespace"}
}

scope(pa) := "mesh-wide PeerAuthentications" if pa.level == "mesh"

scope(pa) := sprintf("selectorless PeerAuthentications in namespace %s", [pa.namespace]) if pa.level == "namespace"

deny contains lib.model_result(msg, pa.ref, ["metadata", "name"], "") if {
	lib.is_model
	some pa in input.peer_authentications
	selectorless(pa)
	others := sort([sprintf("%s (%s)", [p.ref.name, p.mode]) |
		some p in input.peer_authentications
		selectorless(p)
		p.namespace == pa.namespace
		p.ref.id != pa.ref.id
	])
	count(others) > 0
	msg := sprintf("PeerAuthentication %s/%s (mode %s) is one of %d %s, with %s: Istio applies only the one created first, so the mode in force depends on the order they were applied in", [pa.namespace, pa.ref.name, pa.mode, count(others) + 1, scope(pa), concat(", ", others)])
}
