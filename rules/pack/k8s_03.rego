# METADATA
# title: Container may run as root
# description: >-
#   A process running as UID 0 in a container is root on the node's kernel: it
#   owns every file of the image and of the pod's writable volumes, and any
#   container escape, writable host mount or kernel bug becomes a node
#   takeover. runAsNonRoot: true is the only setting the kubelet enforces (it
#   refuses to start a container whose UID would be 0, whatever the image says),
#   so this rule, like the Pod Security Standards' restricted profile, asks for
#   it on every container, and reports runAsUser: 0 outright. The container's
#   securityContext overrides the pod's. The mesh's own init containers
#   (istio-init, istio-validation, linkerd-init) are not reported: istio-init
#   and linkerd-init run as root by design to program iptables; the fix for
#   them is the Istio or Linkerd CNI plugin, not a securityContext change.
# custom:
#   id: K8S-03
#   severity: HIGH
#   pci: ["2.2.6"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0013"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Build the image with a non-root USER and require it in the pod template
#     (a container-level setting overrides the pod-level one):
#       spec:
#         template:
#           spec:
#             securityContext:
#               runAsNonRoot: true
#               runAsUser: 10001
#               runAsGroup: 10001
package meshproof.k8s_03

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, p, c.name) if {
	some [path, c] in lib.containers
	not lib.is_mesh_init(path, c)
	[p, problem] := root(path, c)
	msg := sprintf("container %q of %s %s", [c.name, k8s.resource, problem])
}

# root is [path, problem] for a container that may run as root: an effective
# runAsUser of 0 first, then an effective runAsNonRoot that is not true.
root(path, c) := [p, "runs as root (runAsUser: 0)"] if {
	[uid, p] := k8s.sc_field(path, c, "runAsUser")
	uid == 0
} else := [p, sprintf("may run as root (runAsNonRoot: %v)", [v])] if {
	[v, p] := k8s.sc_field(path, c, "runAsNonRoot")
	v != true
} else := [path, "may run as root (runAsNonRoot: true is not set)"] if {
	not k8s.sc_field(path, c, "runAsNonRoot")
	not k8s.injected_proxy(c)
}
