# METADATA
# title: CDE namespace not in the mesh
# description: >-
#   Pods of a namespace without sidecar injection (istio-injection=enabled or
#   istio.io/rev), ambient mode (istio.io/dataplane-mode=ambient) or Linkerd
#   injection (linkerd.io/inject: enabled) get no proxy: no mutual TLS, no
#   identity, and no AuthorizationPolicy enforcement. In the CDE every
#   service-to-service control of the mesh is then absent.
# custom:
#   id: INJ-01
#   severity: HIGH
#   pci: ["1.3.1", "12.5.1"]
#   istioctl: IST0102
#   input: mesh
#   remediation: |-
#     Turn injection on for the namespace and restart its pods:
#       apiVersion: v1
#       kind: Namespace
#       metadata:
#         name: payments
#         labels:
#           istio-injection: enabled
#           meshproof.dev/pci-scope: cde
package meshproof.inj_01

import data.meshproof.lib

deny contains lib.model_result(msg, ns.ref, ["metadata"], "") if {
	lib.is_model
	some ns in input.namespaces
	ns.declared
	ns.scope == "cde"
	ns.injection in {"none", "disabled"}
	msg := sprintf("namespace %s is in the CDE but not in the mesh (injection: %s)", [ns.name, ns.injection])
}
