# METADATA
# title: Privilege escalation allowed
# description: >-
#   Unless allowPrivilegeEscalation is false, the container's processes run
#   without the no_new_privs flag: a setuid binary or file capability in the
#   image (or dropped into a writable path by an attacker) raises them above
#   the container's own privileges, which defeats runAsNonRoot and dropped
#   capabilities. Kubernetes defaults the field to true, so it must be set
#   explicitly, and it is always true for a privileged container or one that
#   adds CAP_SYS_ADMIN, whatever the field says. Windows pods
#   (spec.os.name: windows), where the field cannot be set, are not checked.
# custom:
#   id: K8S-04
#   severity: HIGH
#   pci: ["2.2.6"]
#   refs: ["NSA/CISA Kubernetes Hardening Guide C-0016"]
#   kinds: [Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob]
#   remediation: |-
#     Set the field on every container (there is no pod-level setting), and
#     neither run privileged nor add SYS_ADMIN:
#       containers:
#       - name: api
#         securityContext:
#           allowPrivilegeEscalation: false
#           privileged: false
#           capabilities:
#             drop: ["ALL"]
package meshproof.k8s_04

import data.meshproof.lib
import data.meshproof.lib.k8s

deny contains lib.result(msg, p, c.name) if {
	not k8s.windows
	some [path, c] in lib.containers
	[p, problem] := escalation(path, c)
	msg := sprintf("container %q of %s %s", [c.name, k8s.resource, problem])
}

# escalation is [path, problem] for a container whose processes can gain
# privileges: privileged or CAP_SYS_ADMIN first (the field cannot turn those
# off), then the field itself.
escalation(path, c) := [p, "allows privilege escalation: it is privileged"] if {
	c.securityContext.privileged == true
	p := array.concat(path, ["securityContext", "privileged"])
} else := [p, sprintf("allows privilege escalation: it adds capability %s", [c.securityContext.capabilities.add[i]])] if {
	i := min({i | some i, cap in c.securityContext.capabilities.add; k8s.capability(cap) in {"SYS_ADMIN", "ALL"}})
	p := array.concat(path, ["securityContext", "capabilities", "add", k8s.index(i)])
} else := [p, sprintf("allows privilege escalation (allowPrivilegeEscalation: %v)", [v])] if {
	v := c.securityContext.allowPrivilegeEscalation
	not v in {null, false}
	p := array.concat(path, ["securityContext", "allowPrivilegeEscalation"])
} else := [path, "allows privilege escalation (allowPrivilegeEscalation: false is not set)"] if {
	object.get(c, ["securityContext", "allowPrivilegeEscalation"], null) == null
	not k8s.injected_proxy(c)
}
