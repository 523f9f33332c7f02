package meshproof.authz_01_test

import data.meshproof.authz_01

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

namespace(name, scope) := {
	"name": name,
	"declared": true,
	"ref": ref("Namespace", "", name),
	"labels": {},
	"annotations": {},
	"scope": scope,
}

policy(ns, extra) := object.union(
	{
		"ref": ref("AuthorizationPolicy", ns, "deny-all"),
		"namespace": ns,
		"action": "ALLOW",
		"selector": {},
		"target_refs": false,
		"mesh_wide": ns == "istio-system",
		"dry_run": false,
		"spec": {},
		"workloads": [],
	},
	extra,
)

model(policies) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {"payments": namespace("payments", "cde")},
	"authorization_policies": policies,
}

test_cde_namespace_without_default_deny if {
	results := authz_01.deny with input as model([])
	count(results) == 1
	some r in results
	r.resource == ref("Namespace", "", "payments")
	r.path == ["metadata"]
	r.key == ""
	contains(r.msg, "namespace payments is in the CDE but has no default-deny AuthorizationPolicy")
}

test_default_deny_in_namespace_or_root_namespace_passes if {
	count(authz_01.deny) == 0 with input as model([policy("payments", {})])
	count(authz_01.deny) == 0 with input as model([policy("istio-system", {})])
}

test_policies_that_are_not_default_deny_do_not_count if {
	policies := [
		policy("payments", {"spec": {"rules": [{"from": [{"source": {"principals": ["cluster.local/ns/shop/sa/checkout"]}}]}]}}),
		policy("payments", {"selector": {"app": "ledger"}}),
		policy("payments", {"dry_run": true}),
		policy("payments", {"target_refs": true}),
		policy("payments", {"action": "DENY"}),
		policy("shop", {}),
	]
	count(authz_01.deny) == 1 with input as model(policies)
}

test_out_of_scope_and_undeclared_namespaces_ignored if {
	m := model([])
	count(authz_01.deny) == 0 with input as object.union(m, {"namespaces": {"payments": {"scope": "connected"}}})
	count(authz_01.deny) == 0 with input as object.union(m, {"namespaces": {"payments": {"declared": false}}})
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "v1",
		"kind": "Namespace",
		"metadata": {"name": "payments", "labels": {"meshproof.dev/pci-scope": "cde"}},
	}
	count(authz_01.deny) == 0 with input as manifest
}
