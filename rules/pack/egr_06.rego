# METADATA
# title: Plaintext protocol to an external service
# description: >-
#   A MESH_EXTERNAL ServiceEntry port with a cleartext protocol (HTTP,
#   HTTP2, GRPC, or TCP, MONGO, MYSQL, REDIS), and no
#   DestinationRule that originates TLS for it (SIMPLE, MUTUAL or
#   ISTIO_MUTUAL), sends the traffic out of the mesh as the application wrote
#   it. For HTTP that is cleartext; for TCP it is cleartext unless the
#   application speaks TLS itself, which the manifests cannot show. Cardholder
#   data must be encrypted on the way to systems outside the cluster.
# custom:
#   id: EGR-06
#   severity: HIGH
#   pci: ["4.2.1"]
#   refs: ["NIST SP 800-207 tenet 2"]
#   input: mesh
#   remediation: |-
#     Originate TLS at the sidecar (or egress gateway) with a
#     DestinationRule, and verify the server:
#       apiVersion: networking.istio.io/v1
#       kind: DestinationRule
#       metadata:
#         name: payments-db
#         namespace: payments
#       spec:
#         host: payments-db.db.internal
#         trafficPolicy:
#           tls:
#             mode: SIMPLE
#             caCertificates: /etc/ssl/certs/db-ca.pem
#             subjectAltNames: [payments-db.db.internal]
package meshproof.egr_06

import data.meshproof.lib

# Protocols that carry cleartext unless something adds TLS: HTTP and its
# cleartext HTTP/2 forms, and TCP with the database protocols Istio sniffs.
http_like := {"HTTP", "HTTP2", "GRPC"}

plaintext := http_like | {"TCP", "MONGO", "MYSQL", "REDIS"}

tls_modes := {"SIMPLE", "MUTUAL", "ISTIO_MUTUAL"}

deny contains lib.model_result(msg, se.ref, ["spec", "ports", sprintf("%d", [i]), "protocol"], sprintf("%d", [p.number])) if {
	lib.is_model
	some se in input.service_entries
	se.location == "MESH_EXTERNAL"
	some i, p in se.ports
	p.protocol in plaintext
	not se.tls_by_port[i].mode in tls_modes
	msg := sprintf("ServiceEntry %s/%s sends port %d (%s) to %s without TLS origination: %s", [se.namespace, se.ref.name, p.number, p.protocol, concat(", ", se.hosts), why(p.protocol)])
}

why(proto) := "requests leave the mesh in cleartext" if proto in http_like

why(proto) := "the bytes leave the mesh as the application wrote them, cleartext unless it speaks TLS itself" if not proto in http_like
