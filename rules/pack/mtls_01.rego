# METADATA
# title: No mesh-wide STRICT PeerAuthentication
# description: >-
#   Without a selectorless PeerAuthentication in Istio's root namespace that
#   sets mode STRICT, the mesh default is PERMISSIVE: every sidecar also
#   accepts plaintext, so any pod that can reach a workload can bypass mutual
#   TLS and the identity checks built on it.
# custom:
#   id: MTLS-01
#   severity: HIGH
#   pci: ["1.3.1", "2.2.5"]
#   refs: ["NIST SP 800-207 tenet 2", "NIST SP 800-204A SM-DR16"]
#   input: mesh
#   remediation: |-
#     Add a mesh-wide policy in the root namespace (istio-system unless
#     meshConfig.rootNamespace says otherwise):
#       apiVersion: security.istio.io/v1
#       kind: PeerAuthentication
#       metadata:
#         name: default
#         namespace: istio-system
#       spec:
#         mtls:
#           mode: STRICT
package meshproof.mtls_01

import data.meshproof.lib

# The mesh-wide policy exists but is not STRICT.
deny contains lib.model_result(msg, input.mesh_policy, ["spec", "mtls"], "") if {
	lib.is_model
	input.mesh_policy
	input.mesh_mode != "STRICT"
	msg := sprintf("the mesh-wide PeerAuthentication %s/%s leaves the mesh in %s mode, not STRICT", [input.mesh_policy.namespace, input.mesh_policy.name, input.mesh_mode])
}

# There is no mesh-wide policy: report it on every meshed namespace, where
# the fix is visible to its owners.
deny contains lib.model_result(msg, ns.ref, ["metadata"], "") if {
	lib.is_model
	not input.mesh_policy
	some ns in input.namespaces
	ns.declared
	ns.injection in {"istio", "istio-revision", "ambient"}
	msg := sprintf("no mesh-wide STRICT PeerAuthentication in %s: namespace %s is meshed but defaults to PERMISSIVE", [input.root_namespace, ns.name])
}
