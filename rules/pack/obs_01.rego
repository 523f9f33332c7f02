# METADATA
# title: No access logging for CDE workloads
# description: >-
#   PCI DSS 10.2 asks for audit logs of access to system components. In the
#   mesh, the sidecars' access logs record every service-to-service call with
#   the peer identity. They are on when meshConfig.accessLogFile is set, or a
#   Telemetry resource enables an access-log provider (in the root
#   namespace for the mesh, or in the namespace); a Telemetry resource can
#   also turn them off. This rule reports CDE namespaces where a Telemetry
#   disables access logging, or where nothing turns it on. Without the mesh
#   config and without any Telemetry enabling logs it cannot be assessed.
# custom:
#   id: OBS-01
#   severity: MEDIUM
#   cde_raise: true
#   pci: ["10.2.1", "10.2.2"]
#   refs: ["NIST SP 800-207 tenet 7"]
#   input: mesh
#   remediation: |-
#     Enable access logs mesh-wide with the Telemetry API:
#       apiVersion: telemetry.istio.io/v1
#       kind: Telemetry
#       metadata:
#         name: mesh-default
#         namespace: istio-system
#       spec:
#         accessLogging:
#         - providers:
#           - name: envoy
package meshproof.obs_01

import data.meshproof.lib

cde := [ns | some ns in input.namespaces; ns.declared; ns.scope == "cde"]

# telemetry(ns) lists the selectorless Telemetry resources that apply to
# ns; the namespace's own wins over the root namespace's.
telemetry(ns) := [t | some t in input.telemetries; t.namespace == ns; count(t.selector) == 0; t.access_logging != null] if {
	some t in input.telemetries
	t.namespace == ns
	count(t.selector) == 0
	t.access_logging != null
} else := [t | some t in input.telemetries; t.namespace == input.root_namespace; count(t.selector) == 0; t.access_logging != null]

# disabling(ns) lists the Telemetries that turn access logs off for ns.
disabling(ns) := [t | some t in telemetry(ns); t.access_logging == false]

disabled_by(ns) if count(disabling(ns)) > 0

enabled(ns) if {
	some t in telemetry(ns)
	t.access_logging == true
}

enabled(ns) if {
	count(telemetry(ns)) == 0
	mc := input.mesh_config
	not mc.error
	mesh_logs(mc)
}

mesh_logs(mc) if mc.access_log_file != ""

mesh_logs(mc) if count(mc.default_access_log_providers) > 0

readable_config if {
	input.mesh_config
	not input.mesh_config.error
}

# A Telemetry turns access logs off for a CDE namespace.
deny contains lib.model_result(msg, t.ref, t.disabled_path, ns.name) if {
	lib.is_model
	some ns in cde
	some t in disabling(ns.name)
	not enabled(ns.name)
	msg := sprintf("Telemetry %s/%s disables access logging for namespace %s, which is in the CDE", [t.namespace, t.ref.name, ns.name])
}

# The mesh config is there and nothing turns logs on.
deny contains lib.model_result(msg, mc.ref, mc.path, ns.name) if {
	lib.is_model
	mc := input.mesh_config
	readable_config
	some ns in cde
	not enabled(ns.name)
	not disabled_by(ns.name)
	msg := sprintf("no access logging for namespace %s (CDE): %s %s/%s sets no accessLogFile or default access-log provider and no Telemetry enables one", [ns.name, mc.ref.kind, mc.ref.namespace, mc.ref.name])
}

deny contains lib.not_assessed(msg, ns.ref, ["metadata"], "", reason) if {
	lib.is_model
	not readable_config
	some ns in cde
	not enabled(ns.name)
	not disabled_by(ns.name)
	msg := sprintf("whether namespace %s (CDE) has access logs cannot be told", [ns.name])
	reason := "no Telemetry enables access logging for it and the mesh config (accessLogFile, defaultProviders) is not in the input"
}
