# METADATA
# title: Linkerd authorization gap in the CDE
# description: >-
#   Linkerd authorizes inbound traffic per Server. A Server on CDE pods that
#   no AuthorizationPolicy in force and no ServerAuthorization authorizes
#   denies every connection to its port: either an outage, or an intent
#   that was never written down. A port of a CDE pod that no Server covers
#   falls back to the default inbound policy, and where that admits
#   unauthenticated clients (all-unauthenticated, the cluster default unless
#   the installation changed it; cluster-unauthenticated; audit) the port is
#   open to any caller. An AuthorizationPolicy whose required authentication
#   does not exist is ignored by Linkerd, which counts as no authorization.
# custom:
#   id: XR-13
#   severity: MEDIUM
#   cde_raise: true
#   pci: ["1.3.1", "7.2.1"]
#   input: mesh
#   remediation: |-
#     Give every port of a CDE pod a Server, and authorize the callers of
#     each Server with an AuthorizationPolicy:
#       apiVersion: policy.linkerd.io/v1alpha1
#       kind: AuthorizationPolicy
#       metadata:
#         name: ledger-http
#         namespace: payments
#       spec:
#         targetRef:
#           group: policy.linkerd.io
#           kind: Server
#           name: ledger-http
#         requiredAuthenticationRefs:
#         - group: policy.linkerd.io
#           kind: MeshTLSAuthentication
#           name: ledger-clients
package meshproof.xr_13

import data.meshproof.lib

annotation := "config.linkerd.io/default-inbound-policy"

cde_linkerd(w) if {
	w.scope == "cde"
	w.mesh == "linkerd"
}

cde_pods(s) := sort([sprintf("%s %s/%s", [w.ref.kind, w.namespace, w.ref.name]) |
	some wi in s.workloads
	w := input.workloads[wi]
	cde_linkerd(w)
])

deny contains lib.model_result(msg, s.ref, ["metadata", "name"], "") if {
	lib.is_model
	some s in input.linkerd.servers
	s.access_policy == "deny"
	count(s.authorizations) == 0
	pods := cde_pods(s)
	count(pods) > 0
	msg := sprintf("Server %s/%s covers port %s of CDE workloads %s, but no AuthorizationPolicy in force and no ServerAuthorization authorizes it: Linkerd denies every connection to it", [s.namespace, s.ref.name, s.port, concat(", ", pods)])
}

# default_policy is the workload's default inbound policy: its pod
# template's annotation, else its namespace's, else "" (the cluster's).
default_policy(w) := w.annotations[annotation]

default_policy(w) := p if {
	not w.annotations[annotation]
	p := object.get(object.get(object.get(input.namespaces, w.namespace, {}), "annotations", {}), annotation, "")
}

permissive(p) if not p in {"deny", "all-authenticated", "cluster-authenticated"}

covered(wi, port) if {
	some s in input.linkerd.servers
	wi in s.workloads
	s.port == sprintf("%d", [port.port])
}

covered(wi, port) if {
	some s in input.linkerd.servers
	wi in s.workloads
	port.name != ""
	s.port == port.name
}

describe("") := "the cluster default (all-unauthenticated unless the installation changed it)"

describe(p) := p if p != ""

deny contains lib.model_result(msg, w.ref, array.concat(w.template_path, ["spec", "containers"]), sprintf("%d", [port.port])) if {
	lib.is_model
	some wi, w in input.workloads
	cde_linkerd(w)
	policy := default_policy(w)
	permissive(policy)
	some port in w.ports
	not covered(wi, port)
	msg := sprintf("port %d of %s %s/%s is in the CDE but no Linkerd Server covers it, so the default inbound policy %s lets unauthenticated callers reach it", [port.port, w.ref.kind, w.namespace, w.ref.name, describe(policy)])
}
