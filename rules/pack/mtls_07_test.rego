package meshproof.mtls_07_test

import data.meshproof.mtls_07

pa(ns, selector, mode, ports, ignored) := {
	"ref": {"id": 0, "api_version": "security.istio.io/v1", "kind": "PeerAuthentication", "namespace": ns, "name": "p"},
	"namespace": ns,
	"selector": selector,
	"mode": mode,
	"ports": ports,
	"ignored": ignored,
}

model(p) := {"meshproof_model": 1, "root_namespace": "istio-system", "peer_authentications": [p]}

test_root_namespace_selector if {
	results := mtls_07.deny with input as model(pa("istio-system", {"app": "ledger"}, "STRICT", {}, "a policy with a selector in the root namespace istio-system is ignored"))
	count(results) == 1
	some r in results
	r.path == ["spec", "selector"]
	contains(r.msg, "PeerAuthentication istio-system/p is not applied as written: a policy with a selector in the root namespace istio-system is ignored")
}

test_invalid_mode if {
	results := mtls_07.deny with input as model(pa("payments", {}, "STRICTT", {}, "mode \"STRICTT\" is not a valid mTLS mode"))
	some r in results
	r.path == ["spec", "mtls", "mode"]
}

test_invalid_port_mode if {
	results := mtls_07.deny with input as model(pa("payments", {"app": "ledger"}, "STRICT", {"8080": "STRICT", "5432": "OFF"}, "mode \"OFF\" is not a valid mTLS mode"))
	some r in results
	r.path == ["spec", "portLevelMtls", "5432", "mode"]
}

test_port_level_without_selector if {
	results := mtls_07.deny with input as model(pa("payments", {}, "STRICT", {"5432": "DISABLE"}, "portLevelMtls is ignored on a policy without a selector"))
	some r in results
	r.path == ["spec", "portLevelMtls"]
}

test_applied_policy_passes if {
	count(mtls_07.deny) == 0 with input as model(pa("payments", {"app": "ledger"}, "STRICT", {"5432": "DISABLE"}, ""))
}
