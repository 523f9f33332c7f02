# METADATA
# title: Namespace has no PCI scope
# description: >-
#   PCI DSS 12.5.2 asks for the scope to be documented: which systems are in
#   the cardholder data environment, which are connected to it, and which are
#   out. A namespace that neither carries the meshproof.dev/pci-scope label
#   (cde, connected or out) nor is assigned a scope in .meshproof.yaml cannot
#   be placed, and a label with another value is a typo that meshproof
#   treats as cde, the safe reading.
# custom:
#   id: SCOPE-01
#   severity: MEDIUM
#   pci: ["12.5.1", "12.5.2"]
#   input: mesh
#   remediation: |-
#     Label the namespace with its scope:
#       apiVersion: v1
#       kind: Namespace
#       metadata:
#         name: shop
#         labels:
#           meshproof.dev/pci-scope: connected   # cde, connected or out
package meshproof.scope_01

import data.meshproof.lib

deny contains lib.model_result(msg, ns.ref, ["metadata"], "") if {
	lib.is_model
	some ns in input.namespaces
	ns.declared
	ns.scope == ""
	msg := sprintf("namespace %s has no PCI scope: label it meshproof.dev/pci-scope (cde, connected or out) or assign it in .meshproof.yaml", [ns.name])
}

deny contains lib.model_result(msg, ns.ref, ["metadata", "labels", "meshproof.dev/pci-scope"], "bad") if {
	lib.is_model
	some ns in input.namespaces
	ns.declared
	object.get(ns, "bad_scope", "") != ""
	msg := sprintf("namespace %s has meshproof.dev/pci-scope %q, which is not cde, connected or out; it is treated as cde", [ns.name, ns.bad_scope])
}
