package meshproof.xr_06_test

import data.meshproof.xr_06

ref(kind, ns, name) := {"id": 0, "api_version": "v1", "kind": kind, "namespace": ns, "name": name}

workload(mesh, mtls) := {
	"ref": ref("Deployment", "payments", "ledger"),
	"namespace": "payments",
	"mesh": mesh,
	"mtls": object.union({"ports": {}}, mtls),
}

policy(rules) := {
	"ref": ref("AuthorizationPolicy", "payments", "allow-shop"),
	"namespace": "payments",
	"action": "ALLOW",
	"dry_run": false,
	"spec": {"rules": rules},
	"workloads": [0],
}

model(w, p) := {"meshproof_model": 1, "workloads": [w], "authorization_policies": [p]}

from_shop := [{"from": [{"source": {"namespaces": ["shop"]}}]}]

test_identity_allow_on_permissive if {
	results := xr_06.deny with input as model(workload("istio", {"mode": "PERMISSIVE"}), policy(from_shop))
	count(results) == 1
	some r in results
	r.path == ["spec", "rules", "0", "from"]
	r.key == "0:Deployment/payments/ledger"
	contains(r.msg, "AuthorizationPolicy payments/allow-shop rule 0 allows callers by peer identity, but on Deployment payments/ledger its effective mTLS mode is PERMISSIVE")
}

test_identity_condition_on_weak_port if {
	rules := [{"when": [{"key": "source.principal", "values": ["cluster.local/ns/shop/sa/web"]}]}]
	results := xr_06.deny with input as model(workload("ambient", {"mode": "STRICT", "ports": {"8080": "PERMISSIVE"}}), policy(rules))
	count(results) == 1
	some r in results
	r.path == ["spec", "rules", "0", "when"]
	contains(r.msg, "port 8080 is PERMISSIVE")
}

test_strict_and_non_identity_rules_pass if {
	count(xr_06.deny) == 0 with input as model(workload("istio", {"mode": "STRICT", "ports": {"8080": "STRICT"}}), policy(from_shop))
	count(xr_06.deny) == 0 with input as model(workload("istio", {"mode": "PERMISSIVE"}), policy([{"to": [{"operation": {"methods": ["GET"]}}]}]))
	count(xr_06.deny) == 0 with input as model(workload("istio", {"mode": "PERMISSIVE"}), policy([{"from": [{"source": {"ipBlocks": ["10.0.0.0/8"]}}]}]))
}

test_unmeshed_dry_run_and_deny_ignored if {
	count(xr_06.deny) == 0 with input as model(workload("none", {"mode": "PERMISSIVE"}), policy(from_shop))
	count(xr_06.deny) == 0 with input as model(workload("istio", {"mode": "PERMISSIVE"}), object.union(policy(from_shop), {"dry_run": true}))
	count(xr_06.deny) == 0 with input as model(workload("istio", {"mode": "PERMISSIVE"}), object.union(policy(from_shop), {"action": "DENY"}))
}
