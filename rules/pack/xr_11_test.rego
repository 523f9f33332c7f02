package meshproof.xr_11_test

import data.meshproof.xr_11

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

namespace(name, scope) := {
	"name": name,
	"declared": true,
	"ref": ref("Namespace", "", name),
	"labels": {},
	"annotations": {},
	"scope": scope,
}

# network_policy selects every pod of ns unless the spec's podSelector has labels.
network_policy(ns, types, spec) := {
	"ref": ref("NetworkPolicy", ns, "default-deny"),
	"namespace": ns,
	"spec": object.union({"podSelector": {}}, spec),
	"selects_all": count(object.get(spec, ["podSelector", "matchLabels"], {})) == 0,
	"policy_types": types,
}

model(policies) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {"payments": namespace("payments", "cde"), "shop": namespace("shop", "connected")},
	"network_policies": policies,
}

test_no_network_policy_in_a_cde_namespace if {
	results := xr_11.deny with input as model([])
	{r.key | some r in results} == {"Ingress", "Egress"}
	some r in results
	r.key == "Ingress"
	r.resource == ref("Namespace", "", "payments")
	r.path == ["metadata"]
	contains(r.msg, "namespace payments is in the CDE but no NetworkPolicy denies ingress by default (podSelector: {} with policyTypes Ingress and no ingress rules)")
}

test_policy_types_default_to_ingress if {
	results := xr_11.deny with input as model([network_policy("payments", [], {})])
	{r.key | some r in results} == {"Egress"}
}

test_egress_rules_make_a_policy_govern_egress_without_denying_it if {
	spec := {"egress": [{"to": [{"namespaceSelector": {}}]}]}
	results := xr_11.deny with input as model([network_policy("payments", [], spec)])
	{r.key | some r in results} == {"Egress"}
}

test_allow_rules_are_not_a_default_deny if {
	results := xr_11.deny with input as model([network_policy("payments", ["Ingress"], {"ingress": [{}]})])
	count(results) == 2
}

test_default_deny_in_both_directions_passes if {
	count(xr_11.deny) == 0 with input as model([network_policy("payments", ["Ingress", "Egress"], {})])
	split := [network_policy("payments", [], {}), network_policy("payments", ["Egress"], {})]
	count(xr_11.deny) == 0 with input as model(split)
}

test_selective_or_foreign_policies_do_not_count if {
	selective := network_policy("payments", ["Ingress", "Egress"], {"podSelector": {"matchLabels": {"app": "ledger"}}})
	count(xr_11.deny) == 2 with input as model([selective])
	count(xr_11.deny) == 2 with input as model([network_policy("shop", ["Ingress", "Egress"], {})])
}

# NetworkPolicySpec.policyTypes: "If this field is not specified, it will
# default based on the existence of ingress or egress rules". An empty
# egress list holds no egress rule: the API server defaults policyTypes to
# [Ingress] (SetDefaults_NetworkPolicy: Egress only when len(spec.egress) != 0),
# so egress stays open. Fails: types(np) adds Egress whenever spec.egress is
# present, even [] (rule bug, reported).
test_empty_egress_list_does_not_govern_egress if {
	results := xr_11.deny with input as model([network_policy("payments", [], {"egress": []})])
	{r.key | some r in results} == {"Egress"}
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "networking.k8s.io/v1",
		"kind": "NetworkPolicy",
		"metadata": {"name": "allow-all", "namespace": "payments"},
		"spec": {"podSelector": {}, "ingress": [{}]},
	}
	count(xr_11.deny) == 0 with input as manifest
}
