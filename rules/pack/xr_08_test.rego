package meshproof.xr_08_test

import data.meshproof.xr_08

ref(kind, ns, name) := {"id": 0, "api_version": "networking.istio.io/v1", "kind": kind, "namespace": ns, "name": name}

claim := "@request.auth.claims.role"

virtual_service(gateways, headers) := {
	"ref": ref("VirtualService", "shop", "admin"),
	"namespace": "shop",
	"hosts": ["shop.example.com"],
	"gateways": gateways,
	"spec": {"http": [
		{"route": [{"destination": {"host": "frontend.shop.svc.cluster.local"}}]},
		{
			"match": [{"uri": {"prefix": "/"}}, {"headers": headers}],
			"route": [{"destination": {"host": "admin.shop.svc.cluster.local"}}],
		},
	]},
}

request_authentication(ns) := {
	"ref": ref("RequestAuthentication", ns, "jwt"),
	"namespace": ns,
	"selector": {},
	"target_refs": false,
	"workloads": [],
}

model(vs, namespaces) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"virtual_services": [vs],
	"request_authentications": [request_authentication(ns) | some ns in namespaces],
}

claim_route := virtual_service(["istio-ingress/shop"], {claim: {"exact": "admin"}})

test_claim_route_without_request_authentication if {
	results := xr_08.deny with input as model(claim_route, ["payments"])
	count(results) == 1
	some r in results
	r.resource == ref("VirtualService", "shop", "admin")
	r.path == ["spec", "http", "1", "match", "1", "headers", claim]
	r.key == "1.1.@request.auth.claims.role"
	contains(r.msg, "VirtualService shop/admin routes on @request.auth.claims.role, but no RequestAuthentication validates tokens where it applies")
}

test_validated_in_gateway_own_or_root_namespace if {
	every ns in ["istio-ingress", "shop", "istio-system"] {
		count(xr_08.deny) == 0 with input as model(claim_route, [ns])
	}

	# A gateway named without a namespace is in the VirtualService's namespace.
	local := virtual_service(["shop-gateway"], {claim: {"exact": "admin"}})
	count(xr_08.deny) == 1 with input as model(local, ["istio-ingress"])
	count(xr_08.deny) == 0 with input as model(local, ["shop"])
}

test_mesh_gateway_names_no_namespace if {
	mesh_route := virtual_service(["mesh"], {claim: {"exact": "admin"}})
	count(xr_08.deny) == 1 with input as model(mesh_route, ["mesh"])
}

test_plain_header_matches_pass if {
	count(xr_08.deny) == 0 with input as model(virtual_service(["istio-ingress/shop"], {"x-canary": {"exact": "1"}}), [])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "networking.istio.io/v1",
		"kind": "VirtualService",
		"metadata": {"name": "admin", "namespace": "shop"},
		"spec": {"http": [{"match": [{"headers": {claim: {"exact": "admin"}}}]}]},
	}
	count(xr_08.deny) == 0 with input as manifest
}
