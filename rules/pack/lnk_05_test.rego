package meshproof.lnk_05_test

import data.meshproof.lnk_05

server(spec) := {
	"apiVersion": "policy.linkerd.io/v1beta3",
	"kind": "Server",
	"metadata": {"name": "ledger-http", "namespace": "payments"},
	"spec": object.union({"podSelector": {"matchLabels": {"app": "ledger"}}, "port": "http"}, spec),
}

test_all_unauthenticated if {
	results := lnk_05.deny with input as server({"accessPolicy": "all-unauthenticated"})
	count(results) == 1
	some r in results
	r.path == ["spec", "accessPolicy"]
	r.msg == "Server payments/ledger-http sets accessPolicy all-unauthenticated, which admits clients without a mesh identity that no AuthorizationPolicy names"
}

test_every_non_deny_policy if {
	every p in ["cluster-unauthenticated", "all-authenticated", "cluster-authenticated", "audit", "allow-everything"] {
		count(lnk_05.deny) == 1 with input as server({"accessPolicy": p})
	}
	some r in lnk_05.deny with input as server({"accessPolicy": "allow-everything"})
	contains(r.msg, `an access policy Linkerd does not define ("allow-everything")`)
}

test_deny_and_default_pass if {
	count(lnk_05.deny) == 0 with input as server({"accessPolicy": "deny"})
	count(lnk_05.deny) == 0 with input as server({})
}

test_other_kinds_ignored if {
	s := server({"accessPolicy": "audit"})
	count(lnk_05.deny) == 0 with input as object.union(s, {"apiVersion": "example.com/v1"})
	count(lnk_05.deny) == 0 with input as object.union(s, {"kind": "ServerAuthorization"})
}
