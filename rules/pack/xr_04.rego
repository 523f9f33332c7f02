# METADATA
# title: DestinationRule sends non-mTLS traffic to a STRICT workload
# description: >-
#   A DestinationRule whose tls.mode is DISABLE, or SIMPLE/MUTUAL with the
#   application's own certificates instead of ISTIO_MUTUAL, targets a Service
#   whose workloads accept only Istio mutual TLS (effective mode STRICT).
#   Either the calls fail, or someone is about to relax the server to make
#   them work: both show that the client side tries to downgrade.
# custom:
#   id: XR-04
#   severity: HIGH
#   cde_raise: true
#   pci: ["1.3.1", "2.2.5"]
#   input: mesh
#   remediation: |-
#     Use Istio's mutual TLS to in-mesh services (or drop the tls block and
#     let auto mTLS pick it):
#       spec:
#         host: ledger.payments.svc.cluster.local
#         trafficPolicy:
#           tls:
#             mode: ISTIO_MUTUAL
package meshproof.xr_04

import data.meshproof.lib

# mode_on returns the effective mode of workload w for the service port the
# TLS setting applies to (all ports when the setting has none).
server_mode(w, _, tls) := w.mtls.mode if not tls.port

server_mode(w, svc, tls) := mode if {
	tls.port
	some sp in svc.ports
	sp.port == tls.port
	mode := object.get(object.get(w.mtls, "ports", {}), target_port(w, sp.target_port), w.mtls.mode)
}

# target_port resolves a named targetPort to the container port's number.
target_port(w, name) := sprintf("%d", [p.port]) if {
	not regex.match(`^[0-9]+$`, name)
	some p in w.ports
	p.name == name
} else := name

deny contains lib.model_result(msg, dr.ref, tls.path, sprintf("%s:%s/%s:%s", [concat(".", tls.path), svc.namespace, svc.ref.name, w.ref.name])) if {
	lib.is_model
	some dr in input.destination_rules
	some tls in dr.tls
	tls.mode in {"DISABLE", "SIMPLE", "MUTUAL"}
	some si in dr.services
	svc := input.services[si]
	some wi in svc.workloads
	w := input.workloads[wi]
	w.mesh in {"istio", "ambient"}
	server_mode(w, svc, tls) == "STRICT"
	msg := sprintf("DestinationRule %s/%s sets tls.mode %s for Service %s/%s, whose workload %s accepts only Istio mTLS (STRICT)", [dr.namespace, dr.ref.name, tls.mode, svc.namespace, svc.ref.name, w.ref.name])
}
