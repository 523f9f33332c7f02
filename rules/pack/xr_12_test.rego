package meshproof.xr_12_test

import data.meshproof.xr_12

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

namespace(name, scope) := {"name": name, "declared": true, "ref": ref("Namespace", "", name), "scope": scope}

policy(ns, action, rules, workloads) := {
	"ref": ref("AuthorizationPolicy", ns, "ledger"),
	"namespace": ns,
	"action": action,
	"selector": {"app": "ledger"},
	"spec": {"action": action, "rules": rules},
	"workloads": workloads,
}

from_source(field, values) := {"from": [{"source": {field: values}}]}

model(policies) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {
		"payments": namespace("payments", "cde"),
		"shop": namespace("shop", "connected"),
		"marketing": namespace("marketing", "out"),
		"istio-system": namespace("istio-system", "connected"),
	},
	"workloads": [{"ref": ref("Deployment", "payments", "ledger"), "namespace": "payments", "scope": "cde"}],
	"authorization_policies": policies,
}

test_out_of_scope_namespace_and_principal if {
	rules := [
		from_source("namespaces", ["shop", "marketing"]),
		from_source("principals", ["cluster.local/ns/marketing/sa/campaigns"]),
	]
	results := xr_12.deny with input as model([policy("payments", "ALLOW", rules, [0])])
	count(results) == 2
	some r in results
	r.resource == ref("AuthorizationPolicy", "payments", "ledger")
	r.path == ["spec", "rules", "0", "from", "0", "source", "namespaces"]
	r.key == "marketing"
	contains(r.msg, "AuthorizationPolicy payments/ledger lets namespace marketing, declared out of PCI scope, call CDE workloads")
	some p in results
	p.path == ["spec", "rules", "1", "from", "0", "source", "principals"]
}

test_applies_to_the_cde_through_its_workloads if {
	mesh_wide := policy("istio-system", "ALLOW", [from_source("namespaces", ["marketing"])], [0])
	count(xr_12.deny) == 1 with input as model([mesh_wide])

	# In the CDE namespace, even when it selects no workload in the input.
	count(xr_12.deny) == 1 with input as model([policy("payments", "ALLOW", [from_source("namespaces", ["marketing"])], [])])
}

test_in_scope_and_unparsed_sources_pass if {
	rules := [
		from_source("namespaces", ["shop", "payments", "unlisted"]),
		from_source("principals", ["cluster.local/ns/shop/sa/checkout", "*", "spiffe://cluster.local/ns/marketing/sa/x"]),
	]
	count(xr_12.deny) == 0 with input as model([policy("payments", "ALLOW", rules, [0])])
}

test_deny_and_non_cde_policies_pass if {
	count(xr_12.deny) == 0 with input as model([policy("payments", "DENY", [from_source("namespaces", ["marketing"])], [0])])
	count(xr_12.deny) == 0 with input as model([policy("marketing", "ALLOW", [from_source("namespaces", ["marketing"])], [])])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "security.istio.io/v1",
		"kind": "AuthorizationPolicy",
		"metadata": {"name": "ledger", "namespace": "payments"},
		"spec": {"rules": [from_source("namespaces", ["marketing"])]},
	}
	count(xr_12.deny) == 0 with input as manifest
}
