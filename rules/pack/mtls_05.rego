# METADATA
# title: Workload PeerAuthentication weakens the mode it inherits
# description: >-
#   A workload-level PeerAuthentication (or one of its port-level settings)
#   sets a weaker mode than the namespace or mesh policy the workload would
#   otherwise inherit. The override silently punches a plaintext hole in a
#   posture that looks STRICT from the namespace or mesh policy alone.
# custom:
#   id: MTLS-05
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1"]
#   refs: ["NIST SP 800-207 tenet 6"]
#   input: mesh
#   remediation: |-
#     Remove the override, or keep it STRICT; if one port must take plaintext
#     (a health check from the kubelet), prefer the sidecar's own health
#     probe rewriting to a PERMISSIVE port:
#       spec:
#         selector:
#           matchLabels: {app: ledger}
#         mtls:
#           mode: STRICT
package meshproof.mtls_05

import data.meshproof.lib

strength := {"DISABLE": 0, "PERMISSIVE": 1, "STRICT": 2}

# parent_mode is what the workload would have without its own policy.
parent_mode(w) := input.namespaces[w.namespace].mode

deny contains lib.model_result(msg, w.mtls.workload_policy, ["spec", "mtls", "mode"], w.ref.name) if {
	lib.is_model
	some w in input.workloads
	w.mtls.level == "workload"
	strength[w.mtls.mode] < strength[parent_mode(w)]
	msg := sprintf("PeerAuthentication %s/%s lowers %s %s from %s to %s", [w.mtls.workload_policy.namespace, w.mtls.workload_policy.name, w.ref.kind, w.ref.name, parent_mode(w), w.mtls.mode])
}

deny contains lib.model_result(msg, w.mtls.workload_policy, ["spec", "portLevelMtls", port], sprintf("%s:%s", [w.ref.name, port])) if {
	lib.is_model
	some w in input.workloads
	some port, mode in w.mtls.ports
	strength[mode] < strength[w.mtls.mode]
	msg := sprintf("PeerAuthentication %s/%s lowers port %s of %s %s from %s to %s", [w.mtls.workload_policy.namespace, w.mtls.workload_policy.name, port, w.ref.kind, w.ref.name, w.mtls.mode, mode])
}
