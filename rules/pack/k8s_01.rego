# METADATA
# title: Privileged container
# description: >-
#   A privileged container has every capability and the host's devices: it can
#   rewrite the pod's iptables rules to bypass the sidecar, read other pods'
#   secrets from the node, and take over the host.
# custom:
#   id: K8S-01
#   severity: CRITICAL
#   pci: ["2.2.1", "2.2.6"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0057"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Drop privileged mode and grant only the capabilities the process needs:
#       securityContext:
#         privileged: false
#         allowPrivilegeEscalation: false
#         capabilities:
#           drop: ["ALL"]
package meshproof.k8s_01

import data.meshproof.lib

deny contains lib.result(msg, array.concat(path, ["securityContext", "privileged"]), c.name) if {
	some [path, c] in lib.containers
	c.securityContext.privileged == true
	msg := sprintf("container %q of %s %s runs privileged", [c.name, input.kind, lib.name])
}
