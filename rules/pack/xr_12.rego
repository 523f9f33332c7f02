# METADATA
# title: CDE policy allows callers from out-of-scope namespaces
# description: >-
#   An ALLOW AuthorizationPolicy that applies to CDE workloads names a source
#   namespace, or a principal of a namespace, that is declared out of PCI
#   scope. Out-of-scope systems must not be able to reach the CDE: either the
#   segmentation is broken, or that namespace is in scope (connected-to)
#   and its label is wrong.
# custom:
#   id: XR-12
#   severity: HIGH
#   pci: ["1.3.1", "11.4.5", "12.5.2"]
#   refs: ["NIST SP 800-207 tenet 4"]
#   input: mesh
#   remediation: |-
#     Remove the out-of-scope caller, or move it into scope (label its
#     namespace meshproof.dev/pci-scope: connected) and assess it:
#       apiVersion: v1
#       kind: Namespace
#       metadata:
#         name: marketing
#         labels:
#           meshproof.dev/pci-scope: connected
package meshproof.xr_12

import data.meshproof.lib

out_ns(name) if input.namespaces[name].scope == "out"

# principal_ns extracts the namespace from "<trust-domain>/ns/<ns>/sa/<sa>".
principal_ns(p) := parts[2] if {
	parts := split(p, "/")
	count(parts) == 5
	parts[1] == "ns"
}

# sources returns [path, namespace] for each source that names a namespace,
# directly or through a principal.
sources(ap) := {[path, ns] |
	some i, rule in object.get(ap.spec, "rules", [])
	some j, f in object.get(rule, "from", [])
	src := object.get(f, "source", {})
	some field in ["namespaces", "principals"]
	some v in object.get(src, field, [])
	ns := source_ns(field, v)
	path := ["spec", "rules", sprintf("%d", [i]), "from", sprintf("%d", [j]), "source", field]
}

source_ns("namespaces", v) := v

source_ns("principals", v) := principal_ns(v)

applies_to_cde(ap) if {
	some wi in ap.workloads
	input.workloads[wi].scope == "cde"
}

applies_to_cde(ap) if input.namespaces[ap.namespace].scope == "cde"

deny contains lib.model_result(msg, ap.ref, path, ns) if {
	lib.is_model
	some ap in input.authorization_policies
	ap.action == "ALLOW"
	applies_to_cde(ap)
	some [path, ns] in sources(ap)
	out_ns(ns)
	msg := sprintf("AuthorizationPolicy %s/%s lets namespace %s, declared out of PCI scope, call CDE workloads", [ap.namespace, ap.ref.name, ns])
}
