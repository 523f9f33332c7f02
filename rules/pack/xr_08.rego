# METADATA
# title: Routing on JWT claims without RequestAuthentication
# description: >-
#   A VirtualService that matches on "@request.auth.claims..." headers routes
#   on claims of a validated JWT. Claims are only validated where a
#   RequestAuthentication applies; without one in the VirtualService's
#   namespace, the namespaces of its gateways or the root namespace, the
#   route condition has nothing verified to match on and the routing
#   decision (for example to an admin backend) is not protected by it.
# custom:
#   id: XR-08
#   severity: HIGH
#   pci: ["8.3.1"]
#   istioctl: IST0149
#   input: mesh
#   remediation: |-
#     Validate the tokens where the route is evaluated (the ingress gateway
#     here) and require them:
#       apiVersion: security.istio.io/v1
#       kind: RequestAuthentication
#       metadata:
#         name: ingress-jwt
#         namespace: istio-ingress
#       spec:
#         selector:
#           matchLabels: {istio: ingressgateway}
#         jwtRules:
#         - issuer: https://idp.example.com
#           jwksUri: https://idp.example.com/.well-known/jwks.json
package meshproof.xr_08

import data.meshproof.lib

# gateway_namespaces lists the namespaces of the gateways a VirtualService binds.
gateway_namespaces(vs) := {ns |
	some g in vs.gateways
	g != "mesh"
	ns := gateway_ns(vs, g)
}

gateway_ns(_, g) := split(g, "/")[0] if contains(g, "/")

gateway_ns(vs, g) := vs.namespace if not contains(g, "/")

validated(vs) if {
	some ra in input.request_authentications
	ra.namespace in ({vs.namespace, input.root_namespace} | gateway_namespaces(vs))
}

deny contains lib.model_result(msg, vs.ref, path, sprintf("%d.%d.%s", [i, j, h])) if {
	lib.is_model
	some vs in input.virtual_services
	not validated(vs)
	some i, route in object.get(vs.spec, "http", [])
	some j, m in object.get(route, "match", [])
	some h, _ in object.get(m, "headers", {})
	startswith(h, "@request.auth.claims")
	path := ["spec", "http", sprintf("%d", [i]), "match", sprintf("%d", [j]), "headers", h]
	msg := sprintf("VirtualService %s/%s routes on %s, but no RequestAuthentication validates tokens where it applies", [vs.namespace, vs.ref.name, h])
}
