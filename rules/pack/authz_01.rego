# METADATA
# title: No default-deny AuthorizationPolicy for a CDE namespace
# description: >-
#   Istio allows every request to a workload no ALLOW policy selects. The
#   usual way to deny by default is an AuthorizationPolicy with an empty spec
#   (no selector, no rules) in the namespace, or in the root namespace for
#   the whole mesh; after it, each ALLOW policy opens only what it names.
#   Without it, a workload added to the CDE namespace later is open to every
#   caller until someone writes its policy.
# custom:
#   id: AUTHZ-01
#   severity: HIGH
#   pci: ["1.3.1", "7.2.1", "7.3.1"]
#   refs: ["NIST SP 800-207 tenet 6", "NIST SP 800-204B SAUZ"]
#   input: mesh
#   remediation: |-
#     Add an allow-nothing policy to the namespace:
#       apiVersion: security.istio.io/v1
#       kind: AuthorizationPolicy
#       metadata:
#         name: deny-all
#         namespace: payments
#       spec: {}
package meshproof.authz_01

import data.meshproof.lib

# default_deny is an enforced ALLOW policy without selector, target or rules.
default_deny(ap) if {
	ap.action == "ALLOW"
	count(ap.selector) == 0
	not ap.target_refs
	not ap.dry_run
	count(object.get(ap.spec, "rules", [])) == 0
}

covered(ns) if {
	some ap in input.authorization_policies
	ap.namespace in {ns, input.root_namespace}
	default_deny(ap)
}

deny contains lib.model_result(msg, ns.ref, ["metadata"], "") if {
	lib.is_model
	some ns in input.namespaces
	ns.declared
	ns.scope == "cde"
	not covered(ns.name)
	msg := sprintf("namespace %s is in the CDE but has no default-deny AuthorizationPolicy (spec: {}) in it or in %s", [ns.name, input.root_namespace])
}
