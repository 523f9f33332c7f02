package meshproof.lnk_03_test

import data.meshproof.lnk_03

ref(kind, name) := {"id": 0, "api_version": "policy.linkerd.io/v1alpha1", "kind": kind, "namespace": "payments", "name": name}

mtls_auth(identities) := {"ref": ref("MeshTLSAuthentication", "any-meshed"), "namespace": "payments", "identities": identities}

policy(target, ignored) := {
	"ref": ref("AuthorizationPolicy", "ledger-http"),
	"namespace": "payments",
	"target": target,
	"ignored": ignored,
	"servers": [0],
	"authentications": [{"group": "policy.linkerd.io", "kind": "MeshTLSAuthentication", "name": "any-meshed", "namespace": "payments", "found": true, "index": 0}],
}

server_target := {"group": "policy.linkerd.io", "kind": "Server", "name": "ledger-http"}

model(m, p, scope) := {
	"meshproof_model": 1,
	"namespaces": {"payments": {"name": "payments", "scope": ""}},
	"workloads": [{"ref": ref("Deployment", "ledger"), "namespace": "payments", "scope": scope}],
	"linkerd": {
		"servers": [{"ref": ref("Server", "ledger-http"), "namespace": "payments", "workloads": [0]}],
		"authorization_policies": [p],
		"mesh_tls_authentications": [m],
	},
}

test_star_identity_for_cde_server if {
	results := lnk_03.deny with input as model(mtls_auth(["checkout.shop.serviceaccount.identity.linkerd.cluster.local", "*"]), policy(server_target, ""), "cde")
	count(results) == 1
	some r in results
	r.resource == ref("MeshTLSAuthentication", "any-meshed")
	r.path == ["spec", "identities", "1"]
	r.key == "payments/ledger-http"
	contains(r.msg, `MeshTLSAuthentication payments/any-meshed accepts any meshed client (identity "*"), and AuthorizationPolicy payments/ledger-http requires only that for Server payments/ledger-http`)
}

test_domain_wide_wildcards if {
	count(lnk_03.deny) == 1 with input as model(mtls_auth(["*.cluster.local"]), policy(server_target, ""), "cde")
	count(lnk_03.deny) == 1 with input as model(mtls_auth(["*.serviceaccount.identity.linkerd.cluster.local"]), policy(server_target, ""), "cde")
}

test_namespace_target_in_cde if {
	m := model(mtls_auth(["*"]), policy({"group": "", "kind": "Namespace", "name": "payments"}, ""), "")
	results := lnk_03.deny with input as object.union(m, {"namespaces": {"payments": {"name": "payments", "scope": "cde"}}})
	some r in results
	contains(r.msg, "for namespace payments")
}

test_named_and_namespace_scoped_identities_pass if {
	count(lnk_03.deny) == 0 with input as model(mtls_auth(["checkout.shop.serviceaccount.identity.linkerd.cluster.local"]), policy(server_target, ""), "cde")
	count(lnk_03.deny) == 0 with input as model(mtls_auth(["*.shop.serviceaccount.identity.linkerd.cluster.local"]), policy(server_target, ""), "cde")
}

test_outside_cde_and_ignored_policies_pass if {
	count(lnk_03.deny) == 0 with input as model(mtls_auth(["*"]), policy(server_target, ""), "out")
	count(lnk_03.deny) == 0 with input as model(mtls_auth(["*"]), policy(server_target, "its required authentication is not in the input"), "cde")
}

test_manifest_input_yields_nothing if {
	count(lnk_03.deny) == 0 with input as {"apiVersion": "policy.linkerd.io/v1alpha1", "kind": "MeshTLSAuthentication", "metadata": {"name": "x"}, "spec": {"identities": ["*"]}}
}
