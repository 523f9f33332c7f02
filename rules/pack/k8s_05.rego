# METADATA
# title: Dangerous capability added to a container
# description: >-
#   Capabilities added to a container survive a non-root user and a dropped
#   default set. NET_ADMIN lets the workload rewrite the pod's iptables rules
#   and route around its sidecar (no mTLS, no authorization) and NET_RAW lets it
#   forge packets; SYS_ADMIN, SYS_MODULE, SYS_RAWIO, SYS_BOOT, BPF and PERFMON
#   reach the node's kernel; SYS_PTRACE reads the memory (keys included) of
#   every process it can see (the pod's with shareProcessNamespace, the node's
#   with hostPID); DAC_READ_SEARCH opens host files by handle (the
#   "shocker" escape); MAC_ADMIN and MAC_OVERRIDE switch off AppArmor or SELinux;
#   SYS_TIME sets the node's clock, which skews audit-log timestamps and
#   certificate checks; ALL grants every one of them. The list follows the
#   insecure capabilities of NSA/CISA control C-0046, plus DAC_READ_SEARCH and
#   SYS_TIME, minus SETPCAP, which container runtimes grant by default. Names
#   are compared without case and without the CAP_ prefix. The mesh's own init
#   containers (istio-init, istio-validation, linkerd-init) need NET_ADMIN and
#   NET_RAW to set up traffic capture and are not reported; the Istio or Linkerd
#   CNI plugin removes that need.
# custom:
#   id: K8S-05
#   severity: HIGH
#   pci: ["2.2.6"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0046"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Drop every capability and add back only the harmless ones the process
#     needs (binding a port below 1024, for example):
#       containers:
#       - name: api
#         securityContext:
#           capabilities:
#             drop: ["ALL"]
#             add: ["NET_BIND_SERVICE"]
package meshproof.k8s_05

import data.meshproof.lib
import data.meshproof.lib.k8s

dangerous := {
	"ALL",
	"BPF",
	"DAC_READ_SEARCH",
	"MAC_ADMIN",
	"MAC_OVERRIDE",
	"NET_ADMIN",
	"NET_RAW",
	"PERFMON",
	"SYS_ADMIN",
	"SYS_BOOT",
	"SYS_MODULE",
	"SYS_PTRACE",
	"SYS_RAWIO",
	"SYS_TIME",
}

deny contains lib.result(msg, p, sprintf("%s/%s", [c.name, name])) if {
	some [path, c] in lib.containers
	not lib.is_mesh_init(path, c)
	some i, cap in c.securityContext.capabilities.add
	name := k8s.capability(cap)
	name in dangerous
	p := array.concat(path, ["securityContext", "capabilities", "add", k8s.index(i)])
	msg := sprintf("container %q of %s adds the dangerous capability %s", [c.name, k8s.resource, name])
}
