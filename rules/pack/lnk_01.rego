# METADATA
# title: Permissive Linkerd default inbound policy in the CDE
# description: >-
#   Linkerd allows every inbound connection to a port that no Server
#   covers, according to the default inbound policy: the
#   config.linkerd.io/default-inbound-policy annotation on the pod or its
#   namespace, else the cluster's default, which is all-unauthenticated
#   unless the installation changed it. all-unauthenticated,
#   cluster-unauthenticated and audit let unauthenticated callers in. In
#   the CDE the default should deny (or at least require authenticated mesh
#   identities, all-authenticated or cluster-authenticated).
# custom:
#   id: LNK-01
#   severity: HIGH
#   pci: ["1.3.1", "7.2.1"]
#   refs: ["NIST SP 800-207 tenet 6"]
#   input: mesh
#   remediation: |-
#     Deny by default in the namespace and open ports with Server and
#     AuthorizationPolicy resources:
#       apiVersion: v1
#       kind: Namespace
#       metadata:
#         name: payments
#         annotations:
#           linkerd.io/inject: enabled
#           config.linkerd.io/default-inbound-policy: deny
package meshproof.lnk_01

import data.meshproof.lib

annotation := "config.linkerd.io/default-inbound-policy"

permissive := {"all-unauthenticated", "cluster-unauthenticated", "audit"}

# The namespace's policy is permissive, or not set (cluster default).
deny contains lib.model_result(msg, ns.ref, path, "") if {
	lib.is_model
	some ns in input.namespaces
	ns.declared
	ns.scope == "cde"
	ns.injection == "linkerd"
	policy := object.get(ns.annotations, annotation, "")
	not policy in {"deny", "all-authenticated", "cluster-authenticated"}
	path := ns_path(policy)
	msg := sprintf("namespace %s is in the CDE but Linkerd's default inbound policy is %s: unauthenticated callers reach every port no Server covers", [ns.name, describe(policy)])
}

# A CDE workload's pod template overrides it with a permissive policy.
deny contains lib.model_result(msg, w.ref, array.concat(w.template_path, ["metadata", "annotations", annotation]), "") if {
	lib.is_model
	some w in input.workloads
	w.scope == "cde"
	w.mesh == "linkerd"
	policy := w.annotations[annotation]
	policy in permissive
	msg := sprintf("%s %s/%s is in the CDE but sets Linkerd's default inbound policy to %s", [w.ref.kind, w.namespace, w.ref.name, policy])
}

ns_path("") := ["metadata"]

ns_path(p) := ["metadata", "annotations", annotation] if p != ""

describe("") := "not set (the cluster default, all-unauthenticated unless the installation changed it)"

describe(p) := p if p != ""
