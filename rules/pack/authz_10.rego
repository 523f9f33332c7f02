# METADATA
# title: CUSTOM AuthorizationPolicy names an undefined provider
# description: >-
#   A CUSTOM policy delegates the decision to an external authorizer named in
#   provider.name, which must be one of meshConfig.extensionProviders. When
#   the name is not there, istiod cannot build the ext_authz filter and puts
#   a deny filter in its place: every request the policy's rules match is
#   rejected, and the checks the external authorizer was meant to make (for
#   example on the payment API at the ingress gateway) never run. Whether
#   the workload then fails closed or is simply broken depends on the rules
#   and on the proxy version, which is no access control anyone reviewed.
#   Without the mesh config in the input the rule cannot be assessed.
# custom:
#   id: AUTHZ-10
#   severity: HIGH
#   pci: ["7.3.1"]
#   input: mesh
#   remediation: |-
#     Declare the provider in the mesh config (ConfigMap istio in the root
#     namespace, IstioOperator spec.meshConfig or istiod's Helm values), with
#     the same name as the policy's provider.name:
#       meshConfig:
#         extensionProviders:
#         - name: opa
#           envoyExtAuthzGrpc:
#             service: opa.opa-system.svc.cluster.local
#             port: 9191
package meshproof.authz_10

import data.meshproof.lib

obj(x) := x if is_object(x)

else := {}

provider(ap) := object.get(obj(object.get(ap.spec, "provider", null)), "name", "")

mesh_config_readable if {
	input.mesh_config
	not input.mesh_config.error
}

# A CUSTOM policy without a provider name can match no provider.
deny contains lib.model_result(msg, ap.ref, ["spec", "provider", "name"], "") if {
	lib.is_model
	some ap in input.authorization_policies
	ap.action == "CUSTOM"
	provider(ap) == ""
	msg := sprintf("CUSTOM AuthorizationPolicy %s/%s names no provider (spec.provider.name), so no external authorizer can be called", [ap.namespace, ap.ref.name])
}

deny contains lib.model_result(msg, ap.ref, ["spec", "provider", "name"], "") if {
	lib.is_model
	mesh_config_readable
	mc := input.mesh_config
	some ap in input.authorization_policies
	ap.action == "CUSTOM"
	name := provider(ap)
	name != ""
	not name in mc.extension_providers
	msg := sprintf("CUSTOM AuthorizationPolicy %s/%s names provider %q, which %s %s/%s does not define in extensionProviders%s", [ap.namespace, ap.ref.name, name, mc.ref.kind, mc.ref.namespace, mc.ref.name, defined(mc)])
}

defined(mc) := sprintf(" (it defines %s)", [concat(", ", sort(mc.extension_providers))]) if count(mc.extension_providers) > 0

defined(mc) := " (it defines none)" if count(mc.extension_providers) == 0

deny contains lib.not_assessed(msg, ap.ref, ["spec", "provider", "name"], "", missing_reason) if {
	lib.is_model
	not mesh_config_readable
	some ap in input.authorization_policies
	ap.action == "CUSTOM"
	name := provider(ap)
	name != ""
	msg := sprintf("CUSTOM AuthorizationPolicy %s/%s names provider %q; whether the mesh config defines it cannot be told", [ap.namespace, ap.ref.name, name])
}

missing_reason := sprintf("the mesh config (ConfigMap istio in %s or an IstioOperator) is not in the input", [input.root_namespace]) if {
	not input.mesh_config
} else := sprintf("the mesh config could not be read: %s", [input.mesh_config.error])
