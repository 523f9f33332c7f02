package meshproof.mtls_06_test

import data.meshproof.mtls_06

pa(id, ns, name, level, mode) := {
	"ref": {"id": id, "api_version": "security.istio.io/v1", "kind": "PeerAuthentication", "namespace": ns, "name": name},
	"namespace": ns,
	"level": level,
	"mode": mode,
	"in_force": true,
}

model(pas) := {"meshproof_model": 1, "root_namespace": "istio-system", "peer_authentications": pas}

test_two_namespace_policies if {
	results := mtls_06.deny with input as model([pa(1, "payments", "strict", "namespace", "STRICT"), pa(2, "payments", "legacy", "namespace", "PERMISSIVE")])
	count(results) == 2
	some r in results
	r.resource.name == "legacy"
	r.path == ["metadata", "name"]
	contains(r.msg, "PeerAuthentication payments/legacy (mode PERMISSIVE) is one of 2 selectorless PeerAuthentications in namespace payments, with strict (STRICT)")
}

test_two_mesh_policies if {
	results := mtls_06.deny with input as model([pa(1, "istio-system", "default", "mesh", "STRICT"), pa(2, "istio-system", "old", "mesh", "UNSET"), pa(3, "istio-system", "older", "mesh", "PERMISSIVE")])
	count(results) == 3
	some r in results
	r.resource.name == "default"
	contains(r.msg, "is one of 3 mesh-wide PeerAuthentications, with old (UNSET), older (PERMISSIVE)")
}

test_one_per_level_and_workload_policies_pass if {
	count(mtls_06.deny) == 0 with input as model([
		pa(1, "istio-system", "default", "mesh", "STRICT"),
		pa(2, "payments", "default", "namespace", "STRICT"),
		pa(3, "payments", "ledger", "workload", "STRICT"),
		pa(4, "payments", "vault", "workload", "STRICT"),
		pa(5, "shop", "default", "namespace", "PERMISSIVE"),
	])
}

test_policies_not_in_force_are_not_counted if {
	ignored := object.union(pa(2, "payments", "typo", "namespace", "STRICTT"), {"in_force": false})
	count(mtls_06.deny) == 0 with input as model([pa(1, "payments", "strict", "namespace", "STRICT"), ignored])
}
