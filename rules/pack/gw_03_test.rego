package meshproof.gw_03_test

import data.meshproof.gw_03

gateway(mode, suites) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "Gateway",
	"metadata": {"name": "storefront", "namespace": "istio-ingress"},
	"spec": {"servers": [{
		"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
		"hosts": ["pay.example.com"],
		"tls": {"mode": mode, "credentialName": "pay-example-com", "cipherSuites": suites},
	}]},
}

# why is the reason given for the single weak suite in suites.
why(suite) := r.msg if {
	some r in gw_03.deny with input as gateway("SIMPLE", [suite])
}

test_cbc_suite_among_strong_ones if {
	suites := ["ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA"]
	results := gw_03.deny with input as gateway("SIMPLE", suites)
	count(results) == 1
	some r in results
	r.path == ["spec", "servers", "0", "tls", "cipherSuites", "2"]
	r.key == "server 0 ECDHE-RSA-AES128-SHA"
	contains(r.msg, "Gateway istio-ingress/storefront server 0 (port 443) allows cipher suite ECDHE-RSA-AES128-SHA")
	contains(r.msg, "CBC mode with an HMAC is not an AEAD cipher")
}

test_weakness_is_explained if {
	contains(why("RC4-SHA"), "RC4 is broken")
	contains(why("DES-CBC3-SHA"), "Sweet32")
	contains(why("NULL-SHA"), "no encryption or export-grade keys")
	contains(why("AES128-GCM-SHA256"), "static RSA gives no forward secrecy")
	contains(why("TLS_RSA_WITH_AES_128_CBC_SHA"), "static RSA gives no forward secrecy")
	contains(why("ALL"), "cipher-string keyword")
}

test_groups_are_split_and_removals_ignored if {
	suites := ["[ECDHE-ECDSA-CHACHA20-POLY1305|ECDHE-ECDSA-AES128-SHA256]", "!RC4", "-3DES"]
	results := gw_03.deny with input as gateway("MUTUAL", suites)
	count(results) == 1
	some r in results
	r.key == "server 0 ECDHE-ECDSA-AES128-SHA256"
	r.path == ["spec", "servers", "0", "tls", "cipherSuites", "0"]
}

test_strong_suites_pass if {
	suites := [
		"ECDHE-ECDSA-AES256-GCM-SHA384",
		"ecdhe-rsa-aes128-gcm-sha256",
		"[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]",
		"ECDHE-RSA-CHACHA20-POLY1305",
		"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		"TLS_AES_128_GCM_SHA256",
		"TLS_CHACHA20_POLY1305_SHA256",
	]
	count(gw_03.deny) == 0 with input as gateway("SIMPLE", suites)
}

test_passthrough_and_other_kinds_ignored if {
	count(gw_03.deny) == 0 with input as gateway("PASSTHROUGH", ["AES128-SHA"])
	count(gw_03.deny) == 0 with input as gateway("AUTO_PASSTHROUGH", ["RC4-SHA"])
	g := gateway("SIMPLE", ["RC4-SHA"])
	count(gw_03.deny) == 0 with input as object.union(g, {"apiVersion": "gateway.networking.k8s.io/v1"})
}
