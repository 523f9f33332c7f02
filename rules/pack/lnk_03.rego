# METADATA
# title: Any mesh identity authorized for a CDE Server
# description: >-
#   A Linkerd MeshTLSAuthentication lists the client identities an
#   AuthorizationPolicy requires. The identity "*" matches every meshed
#   client, and a wildcard such as "*.cluster.local" or
#   "*.identity.linkerd.cluster.local" that names no namespace's service
#   accounts matches every meshed client of every namespace. Required by a
#   policy on a Server (or route, or namespace) of the CDE, it lets any
#   workload that has a sidecar call it: authentication without
#   authorization, and no least privilege between services.
# custom:
#   id: LNK-03
#   severity: MEDIUM
#   cde_raise: true
#   pci: ["7.2.5", "7.2.1"]
#   refs: ["NIST SP 800-207 tenet 4"]
#   input: mesh
#   remediation: |-
#     Name the service accounts that need access, by identity or by reference:
#       apiVersion: policy.linkerd.io/v1alpha1
#       kind: MeshTLSAuthentication
#       metadata:
#         name: ledger-clients
#         namespace: payments
#       spec:
#         identityRefs:
#         - kind: ServiceAccount
#           name: checkout
#           namespace: shop
package meshproof.lnk_03

import data.meshproof.lib

# A wildcard confined to one namespace's service accounts:
# "*.<namespace>.serviceaccount.identity.linkerd.<trust domain>".
namespace_wildcard(id) if regex.match(`^\*\.[^.*]+\.serviceaccount\.identity\.`, id)

any_identity(id) if id == "*"

any_identity(id) if {
	startswith(id, "*.")
	not namespace_wildcard(id)
}

cde_server(s) if {
	some wi in s.workloads
	input.workloads[wi].scope == "cde"
}

cde_server(s) if input.namespaces[s.namespace].scope == "cde"

# cde_targets lists what of the CDE a policy in force authorizes.
cde_targets(p) := sort([sprintf("Server %s/%s", [s.namespace, s.ref.name]) |
	some si in p.servers
	s := input.linkerd.servers[si]
	cde_server(s)
]) if p.target.kind != "Namespace"

cde_targets(p) := [sprintf("namespace %s", [p.target.name])] if {
	p.target.kind == "Namespace"
	input.namespaces[p.target.name].scope == "cde"
}

deny contains lib.model_result(msg, m.ref, ["spec", "identities", sprintf("%d", [i])], sprintf("%s/%s", [p.namespace, p.ref.name])) if {
	lib.is_model
	some p in input.linkerd.authorization_policies
	p.ignored == ""
	targets := cde_targets(p)
	count(targets) > 0
	some a in p.authentications
	a.kind == "MeshTLSAuthentication"
	a.found
	m := input.linkerd.mesh_tls_authentications[a.index]
	some i, id in m.identities
	any_identity(id)
	msg := sprintf("MeshTLSAuthentication %s/%s accepts any meshed client (identity %q), and AuthorizationPolicy %s/%s requires only that for %s: every workload with a Linkerd proxy may call it", [m.namespace, m.ref.name, id, p.namespace, p.ref.name, concat(", ", targets)])
}
