# METADATA
# title: External database reachable without egress authorization
# description: >-
#   A MESH_EXTERNAL ServiceEntry for a database port (PostgreSQL 5432, MySQL
#   3306, SQL Server 1433, Oracle 1521, MongoDB 27017, Redis 6379, Cassandra
#   9042) or a TCP/TLS port has no AuthorizationPolicy that limits which
#   workloads may use it: neither one that targets the ServiceEntry
#   (targetRefs) nor one on an egress gateway that names its host (hosts, or
#   connection.sni for TCP/TLS) with source principals, namespaces or
#   service accounts. Any workload that can resolve it can then reach the
#   store that holds cardholder data.
# custom:
#   id: XR-10
#   severity: HIGH
#   pci: ["1.3.2", "7.2.5", "1.4.4"]
#   refs: ["NIST SP 800-204A SM-DR2", "NIST SP 800-204B SAUZ"]
#   input: mesh
#   remediation: |-
#     Route the traffic through an egress gateway and allow only the
#     workloads that need the database:
#       apiVersion: security.istio.io/v1
#       kind: AuthorizationPolicy
#       metadata:
#         name: payments-db-egress
#         namespace: istio-system
#       spec:
#         selector:
#           matchLabels: {istio: egressgateway}
#         action: ALLOW
#         rules:
#         - from:
#           - source:
#               principals: ["cluster.local/ns/payments/sa/payments-api"]
#           when:
#           - key: connection.sni
#             values: ["payments-db.db.internal"]
package meshproof.xr_10

import data.meshproof.lib

db_ports := {5432, 3306, 1433, 1521, 27017, 6379, 9042}

sensitive(p) if p.number in db_ports

sensitive(p) if p.protocol in {"TCP", "TLS"}

deny contains lib.model_result(msg, se.ref, ["spec", "hosts"], "") if {
	lib.is_model
	some se in input.service_entries
	se.location == "MESH_EXTERNAL"
	count(se.egress_policies) == 0
	ports := [sprintf("%d", [p.number]) | some p in se.ports; sensitive(p)]
	count(ports) > 0
	msg := sprintf("ServiceEntry %s/%s opens %s (port %s) to every workload: no AuthorizationPolicy limits who may call it", [se.namespace, se.ref.name, concat(", ", se.hosts), concat(", ", ports)])
}
