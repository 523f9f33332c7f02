package meshproof.lnk_02_test

import data.meshproof.lnk_02

server_authorization(client) := {
	"apiVersion": "policy.linkerd.io/v1beta1",
	"kind": "ServerAuthorization",
	"metadata": {"name": "ledger-anyone", "namespace": "payments"},
	"spec": {"server": {"name": "ledger-http"}, "client": client},
}

test_unauthenticated_clients if {
	results := lnk_02.deny with input as server_authorization({"unauthenticated": true})
	count(results) == 1
	some r in results
	r.path == ["spec", "client", "unauthenticated"]
	r.key == "unauthenticated"
	contains(r.msg, "ServerAuthorization payments/ledger-anyone authorizes unauthenticated clients")
}

test_unauthenticated_tls if {
	results := lnk_02.deny with input as server_authorization({"meshTLS": {"unauthenticatedTLS": true}})
	count(results) == 1
	some r in results
	r.path == ["spec", "client", "meshTLS", "unauthenticatedTLS"]
	r.key == "unauthenticatedTLS"
	contains(r.msg, "authorizes TLS clients without checking their identity")
}

test_both_settings_on_an_older_version if {
	sa := object.union(
		server_authorization({"networks": [{"cidr": "10.0.0.0/8"}], "unauthenticated": true, "meshTLS": {"unauthenticatedTLS": true}}),
		{"apiVersion": "policy.linkerd.io/v1alpha1"},
	)
	count(lnk_02.deny) == 2 with input as sa
}

test_identities_and_false_values_pass if {
	count(lnk_02.deny) == 0 with input as server_authorization({"meshTLS": {"serviceAccounts": [{"name": "checkout", "namespace": "shop"}]}})
	count(lnk_02.deny) == 0 with input as server_authorization({"unauthenticated": false, "meshTLS": {"unauthenticatedTLS": false}})
}

test_other_kinds_ignored if {
	sa := server_authorization({"unauthenticated": true})
	count(lnk_02.deny) == 0 with input as object.union(sa, {"apiVersion": "example.com/v1"})
	count(lnk_02.deny) == 0 with input as object.union(sa, {"kind": "Server"})
}
