# METADATA
# title: Application runs as the proxy's UID 1337
# description: >-
#   Istio's iptables rules let every packet sent by UID 1337 leave the pod
#   without redirection, because that UID is reserved for the sidecar proxy.
#   An application container running as UID 1337 therefore bypasses its own
#   sidecar on the way out: its calls are sent in plaintext, without the pod's
#   mesh identity and outside egress policy. The container's runAsUser wins
#   over the pod's. The istio-proxy container and the mesh's init containers
#   (istio-validation runs as 1337 with the Istio CNI plugin) are not reported.
# custom:
#   id: INJ-06
#   severity: HIGH
#   cde_raise: true
#   pci: ["2.2.6"]
#   istioctl: IST0144
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Run the application under any other non-root UID (at pod level, or on the
#     container that sets 1337):
#       spec:
#         template:
#           spec:
#             securityContext:
#               runAsNonRoot: true
#               runAsUser: 1338
package meshproof.inj_06

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, p, c.name) if {
	some [path, c] in lib.containers
	c.name != "istio-proxy"
	not lib.is_mesh_init(path, c)
	[uid, p] := k8s.sc_field(path, c, "runAsUser")
	uid == 1337
	msg := sprintf("container %q of %s runs as UID 1337, the Istio proxy's UID, so its outbound traffic bypasses the sidecar", [c.name, k8s.resource])
}
