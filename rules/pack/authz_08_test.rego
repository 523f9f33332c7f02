package meshproof.authz_08_test

import data.meshproof.authz_08

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

policy(action, dry_run, workloads) := {
	"ref": ref("AuthorizationPolicy", "payments", "trial"),
	"namespace": "payments",
	"action": action,
	"dry_run": dry_run,
	"spec": {"action": action},
	"workloads": workloads,
}

model(p, ns_scope, w_scope) := {
	"meshproof_model": 1,
	"namespaces": {"payments": {"name": "payments", "scope": ns_scope}},
	"workloads": [{"ref": ref("Deployment", "payments", "ledger"), "namespace": "payments", "scope": w_scope}],
	"authorization_policies": [p],
}

test_dry_run_on_cde_workload if {
	results := authz_08.deny with input as model(policy("DENY", true, [0]), "", "cde")
	count(results) == 1
	some r in results
	r.resource == ref("AuthorizationPolicy", "payments", "trial")
	r.path == ["metadata", "annotations", "istio.io/dry-run"]
	contains(r.msg, "is in dry-run mode (istio.io/dry-run): its DENY rules are only logged, not enforced")
}

test_dry_run_in_cde_namespace_selecting_nothing if {
	count(authz_08.deny) == 1 with input as model(policy("ALLOW", true, []), "cde", "")
}

test_custom_dry_run_says_it_cannot_be_told if {
	results := authz_08.deny with input as model(policy("CUSTOM", true, [0]), "cde", "cde")
	count(results) == 1
	some r in results
	contains(r.msg, "CUSTOM AuthorizationPolicy payments/trial applies to the CDE but is in dry-run mode")
}

test_enforced_or_out_of_cde_passes if {
	count(authz_08.deny) == 0 with input as model(policy("DENY", false, [0]), "cde", "cde")
	count(authz_08.deny) == 0 with input as model(policy("DENY", true, [0]), "out", "out")
}
