# METADATA
# title: Linkerd Server gives up deny by default
# description: >-
#   A Linkerd Server denies every connection to its port that no
#   AuthorizationPolicy or ServerAuthorization allows: spec.accessPolicy
#   defaults to deny. Any other value admits callers no policy names:
#   all-unauthenticated and cluster-unauthenticated admit clients without a
#   mesh identity, all-authenticated and cluster-authenticated admit every
#   meshed workload, and audit only logs what it would have denied. The port
#   then has no least-privilege authorization.
# custom:
#   id: LNK-05
#   severity: MEDIUM
#   cde_raise: true
#   pci: ["1.3.1", "7.2.1"]
#   kinds: [Server]
#   remediation: |-
#     Remove accessPolicy (it defaults to deny), or set it to deny, and
#     authorize the callers that need the port with an AuthorizationPolicy:
#       apiVersion: policy.linkerd.io/v1beta3
#       kind: Server
#       metadata:
#         name: ledger-http
#         namespace: payments
#       spec:
#         podSelector:
#           matchLabels: {app: ledger}
#         port: http
#         accessPolicy: deny
package meshproof.lnk_05

import data.meshproof.lib
import data.meshproof.lib.k8s

admits := {
	"all-unauthenticated": "clients without a mesh identity",
	"cluster-unauthenticated": "clients of the cluster's networks without a mesh identity",
	"all-authenticated": "every meshed client, of this cluster or another",
	"cluster-authenticated": "every meshed client of the cluster",
	"audit": "every client (audit only logs what deny would refuse)",
}

deny contains lib.result(msg, ["spec", "accessPolicy"], "") if {
	lib.is_kind("policy.linkerd.io", "Server")
	policy := input.spec.accessPolicy
	is_string(policy)
	policy != "deny"
	msg := sprintf("%s sets accessPolicy %s, which admits %s that no AuthorizationPolicy names", [k8s.resource, policy, describe(policy)])
}

describe(p) := admits[p]

describe(p) := sprintf("callers under an access policy Linkerd does not define (%q)", [p]) if not admits[p]
