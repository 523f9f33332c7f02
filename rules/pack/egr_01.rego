# METADATA
# title: Outbound traffic to unknown destinations allowed (ALLOW_ANY)
# description: >-
#   With meshConfig.outboundTrafficPolicy.mode ALLOW_ANY (Istio's default
#   when unset) a sidecar passes traffic to any destination that is not in
#   the service registry, so a compromised CDE workload can send cardholder
#   data anywhere. REGISTRY_ONLY limits egress to declared services. It is a
#   best-effort control, not a security boundary on its own (Istio's docs
#   recommend an egress gateway plus NetworkPolicy), but without it there is
#   no egress control in the mesh at all. A selectorless Sidecar with
#   outboundTrafficPolicy REGISTRY_ONLY in every CDE namespace also satisfies
#   the rule. Without the mesh config in the input the rule cannot be
#   assessed.
# custom:
#   id: EGR-01
#   severity: HIGH
#   pci: ["1.3.2"]
#   refs: ["NIST SP 800-204A SM-DR2"]
#   input: mesh
#   remediation: |-
#     Set REGISTRY_ONLY in the mesh config (IstioOperator or istiod's Helm
#     values), and declare external services with ServiceEntries:
#       spec:
#         meshConfig:
#           outboundTrafficPolicy:
#             mode: REGISTRY_ONLY
package meshproof.egr_01

import data.meshproof.lib

allow_any := {"ALLOW_ANY", "ALLOW_ANY_DYNAMIC_DNS"}

cde_namespaces := {ns.name | some ns in input.namespaces; ns.declared; ns.scope == "cde"}

# registry_only(ns) holds when a selectorless Sidecar in ns (or the root
# namespace) sets outboundTrafficPolicy REGISTRY_ONLY.
registry_only(ns) if {
	some sc in default_sidecars(ns)
	sc.outbound_mode == "REGISTRY_ONLY"
}

# default_sidecars lists the selectorless Sidecars that apply to ns: its
# own, or, when it has none, the root namespace's.
default_sidecars(ns) := own if {
	own := [sc | some sc in input.sidecars; sc.namespace == ns; count(sc.selector) == 0]
	count(own) > 0
} else := [sc | some sc in input.sidecars; sc.namespace == input.root_namespace; count(sc.selector) == 0]

# covered holds when every CDE namespace is REGISTRY_ONLY through a Sidecar.
covered if {
	count(cde_namespaces) > 0
	every ns in cde_namespaces {
		registry_only(ns)
	}
}

mesh_config_readable if {
	input.mesh_config
	not input.mesh_config.error
}

deny contains lib.model_result(msg, mc.ref, mc.path, "") if {
	lib.is_model
	mc := input.mesh_config
	not mc.error
	mc.outbound_mode in allow_any
	not covered
	msg := sprintf("%s %s/%s leaves outboundTrafficPolicy at %s%s: sidecars pass traffic to any destination", [mc.ref.kind, mc.ref.namespace, mc.ref.name, mc.outbound_mode, unset(mc)])
}

unset(mc) := " (unset, Istio's default)" if not mc.outbound_set

unset(mc) := "" if mc.outbound_set

deny contains lib.not_assessed(msg, ns.ref, ["metadata"], "", reason) if {
	lib.is_model
	not mesh_config_readable
	not covered
	some ns in input.namespaces
	ns.name in cde_namespaces
	not registry_only(ns.name)
	reason := missing_reason
	msg := sprintf("namespace %s is in the CDE; whether its outbound traffic is limited to the registry cannot be told", [ns.name])
}

missing_reason := sprintf("the mesh config (ConfigMap istio in %s, or an IstioOperator) is not in the input, and no Sidecar in the namespace sets REGISTRY_ONLY", [input.root_namespace]) if {
	not input.mesh_config
} else := sprintf("the mesh config could not be read: %s", [input.mesh_config.error])
