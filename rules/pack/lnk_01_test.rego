package meshproof.lnk_01_test

import data.meshproof.lnk_01

policy_annotation := "config.linkerd.io/default-inbound-policy"

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

namespace(name, scope, injection, annotations) := {
	"name": name,
	"declared": true,
	"ref": ref("Namespace", "", name),
	"labels": {},
	"annotations": annotations,
	"scope": scope,
	"injection": injection,
}

workload(mesh, annotations) := {
	"ref": ref("Deployment", "cards", "tokenizer"),
	"namespace": "cards",
	"labels": {"app": "tokenizer"},
	"annotations": annotations,
	"scope": "cde",
	"mesh": mesh,
	"template_path": ["spec", "template"],
}

model(namespaces, workloads) := {
	"meshproof_model": 1,
	"root_namespace": "istio-system",
	"namespaces": {ns.name: ns | some ns in namespaces},
	"workloads": workloads,
}

test_cluster_default_policy_in_cde_namespace if {
	results := lnk_01.deny with input as model([namespace("payments", "cde", "linkerd", {})], [])
	count(results) == 1
	some r in results
	r.resource == ref("Namespace", "", "payments")
	r.path == ["metadata"]
	r.key == ""
	contains(r.msg, "namespace payments is in the CDE but Linkerd's default inbound policy is not set (the cluster default")
}

test_permissive_namespace_policies if {
	every policy in ["all-unauthenticated", "cluster-unauthenticated", "audit"] {
		results := lnk_01.deny with input as model([namespace("vault", "cde", "linkerd", {policy_annotation: policy})], [])
		count(results) == 1
		some r in results
		r.path == ["metadata", "annotations", policy_annotation]
		contains(r.msg, sprintf("default inbound policy is %s:", [policy]))
	}
}

test_denying_or_authenticated_namespace_policies_pass if {
	every policy in ["deny", "all-authenticated", "cluster-authenticated"] {
		count(lnk_01.deny) == 0 with input as model([namespace("cards", "cde", "linkerd", {policy_annotation: policy})], [])
	}
}

test_workload_overrides_with_permissive_policy if {
	ns := namespace("cards", "cde", "linkerd", {policy_annotation: "deny"})
	results := lnk_01.deny with input as model([ns], [workload("linkerd", {policy_annotation: "all-unauthenticated"})])
	count(results) == 1
	some r in results
	r.resource == ref("Deployment", "cards", "tokenizer")
	r.path == ["spec", "template", "metadata", "annotations", policy_annotation]
	contains(r.msg, "Deployment cards/tokenizer is in the CDE but sets Linkerd's default inbound policy to all-unauthenticated")

	count(lnk_01.deny) == 0 with input as model([ns], [workload("linkerd", {policy_annotation: "all-authenticated"})])
}

test_out_of_scope_and_other_meshes_ignored if {
	namespaces := [
		namespace("blog", "out", "linkerd", {}),
		namespace("payments", "cde", "istio", {}),
		namespace("cards", "cde", "linkerd", {policy_annotation: "deny"}),
	]
	count(lnk_01.deny) == 0 with input as model(namespaces, [workload("istio", {policy_annotation: "all-unauthenticated"})])
}

test_manifest_input_yields_nothing if {
	manifest := {
		"apiVersion": "v1",
		"kind": "Namespace",
		"metadata": {
			"name": "payments",
			"labels": {"meshproof.dev/pci-scope": "cde"},
			"annotations": {"linkerd.io/inject": "enabled"},
		},
	}
	count(lnk_01.deny) == 0 with input as manifest
}
