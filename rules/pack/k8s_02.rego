# METADATA
# title: Pod shares host namespaces
# description: >-
#   hostNetwork, hostPID and hostIPC put the pod in the node's network, process
#   or IPC namespace. With hostNetwork the pod listens on the node's addresses
#   and its traffic leaves from the node: Istio never injects a sidecar into
#   such a pod, so no mTLS or AuthorizationPolicy applies; with hostPID it sees
#   (and, with ptrace, can attach to) every process of the node, proxies of
#   other pods included; with hostIPC it shares the node's shared memory. Each
#   one breaks the isolation between the workload and everything else on the
#   node.
# custom:
#   id: K8S-02
#   severity: HIGH
#   pci: ["2.2.6"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0038", "NSA/CISA Kubernetes Hardening Guide C-0041"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Remove the host namespaces from the pod template (false is the default);
#     expose ports through a Service, and debug with ephemeral containers:
#       spec:
#         template:
#           spec:
#             hostNetwork: false
#             hostPID: false
#             hostIPC: false
package meshproof.k8s_02

import data.meshproof.lib
import data.meshproof.lib.k8s

host_namespaces := {
	"hostNetwork": "network",
	"hostPID": "process (PID)",
	"hostIPC": "IPC",
}

deny contains lib.result(msg, array.concat(lib.pod_template_path, ["spec", field]), field) if {
	some field, what in host_namespaces
	lib.pod_spec[field] == true
	msg := sprintf("%s shares the node's %s namespace (%s: true)", [k8s.resource, what, field])
}
