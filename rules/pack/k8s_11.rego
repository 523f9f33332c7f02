# METADATA
# title: Service exposes CDE workloads around the ingress gateway
# description: >-
#   A Service of type NodePort opens a port on every node, and one of type
#   LoadBalancer also asks the cloud for an external load balancer; both
#   forward straight to the selected pods. When those pods are CDE workloads
#   other than an Istio gateway, traffic from outside the cluster reaches
#   the cardholder data environment without passing the ingress gateway,
#   where TLS termination, the allowed hosts and the edge
#   AuthorizationPolicies are enforced (and, where the workload accepts
#   plaintext, without any mesh control at all). The ingress gateway should
#   be the only entry from untrusted networks (PCI DSS 1.4.1, 1.4.2, 1.4.4).
#   Gateway workloads themselves are expected behind such Services and are
#   not reported.
# custom:
#   id: K8S-11
#   severity: HIGH
#   pci: ["1.4.1", "1.4.2", "1.4.4"]
#   input: mesh
#   remediation: |-
#     Make the workload's Service internal and publish it through the ingress
#     gateway with a Gateway and a VirtualService:
#       apiVersion: v1
#       kind: Service
#       metadata:
#         name: checkout-api
#         namespace: payments
#       spec:
#         type: ClusterIP
#         selector: {app: checkout-api}
#         ports:
#         - {name: http, port: 8080, targetPort: 8080}
package meshproof.k8s_11

import data.meshproof.lib

# exposed lists the CDE workloads a Service selects that are not gateways.
exposed(s) := sort([sprintf("%s %s/%s", [w.ref.kind, w.namespace, w.ref.name]) |
	some wi in s.workloads
	w := input.workloads[wi]
	w.scope == "cde"
	not w.gateway
])

deny contains lib.model_result(msg, s.ref, ["spec", "type"], s.type) if {
	lib.is_model
	some s in input.services
	s.type in {"LoadBalancer", "NodePort"}
	count(exposed(s)) > 0
	msg := sprintf("Service %s/%s of type %s exposes CDE workloads %s outside the cluster without going through the ingress gateway", [s.namespace, s.ref.name, s.type, concat(", ", exposed(s))])
}

deny contains lib.model_result(msg, s.ref, ["spec", "externalIPs"], "externalIPs") if {
	lib.is_model
	some s in input.services
	count(s.external_ips) > 0
	count(exposed(s)) > 0
	msg := sprintf("Service %s/%s accepts traffic on external IPs %s for CDE workloads %s, around the ingress gateway", [s.namespace, s.ref.name, concat(", ", s.external_ips), concat(", ", exposed(s))])
}
