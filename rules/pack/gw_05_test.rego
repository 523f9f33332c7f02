package meshproof.gw_05_test

import data.meshproof.gw_05

gateway(tls) := {
	"apiVersion": "networking.istio.io/v1",
	"kind": "Gateway",
	"metadata": {"name": "partner-api", "namespace": "istio-ingress"},
	"spec": {"servers": [{
		"port": {"number": 443, "name": "https-mtls", "protocol": "HTTPS"},
		"hosts": ["partner.example.com"],
		"tls": tls,
	}]},
}

files(mode) := {"mode": mode, "serverCertificate": "/etc/istio/partner/tls.crt", "privateKey": "/etc/istio/partner/tls.key"}

test_mutual_without_client_ca if {
	results := gw_05.deny with input as gateway(files("MUTUAL"))
	count(results) == 1
	some r in results
	r.path == ["spec", "servers", "0", "tls", "mode"]
	r.key == "server 0"
	contains(r.msg, "Gateway istio-ingress/partner-api server 0 (port 443) uses tls.mode MUTUAL without caCertificates")
}

test_optional_mutual_and_empty_ca_values if {
	count(gw_05.deny) == 1 with input as gateway(files("OPTIONAL_MUTUAL"))
	count(gw_05.deny) == 1 with input as gateway(object.union(files("MUTUAL"), {"caCertificates": "", "credentialName": ""}))
	count(gw_05.deny) == 1 with input as gateway({"mode": "MUTUAL", "credentialNames": [""]})
	count(gw_05.deny) == 1 with input as gateway({
		"mode": "OPTIONAL_MUTUAL",
		"tlsCertificates": [{"serverCertificate": "/etc/rsa.crt", "privateKey": "/etc/rsa.key"}],
	})
}

test_each_ca_source_passes if {
	count(gw_05.deny) == 0 with input as gateway(object.union(files("MUTUAL"), {"caCertificates": "/etc/istio/partner/ca.crt"}))
	count(gw_05.deny) == 0 with input as gateway(object.union(files("MUTUAL"), {"caCertCredentialName": "partner-client-ca"}))
	count(gw_05.deny) == 0 with input as gateway({"mode": "MUTUAL", "credentialName": "partner-example-com"})
	count(gw_05.deny) == 0 with input as gateway({"mode": "OPTIONAL_MUTUAL", "credentialNames": ["dual-rsa", "dual-ecdsa"]})
	count(gw_05.deny) == 0 with input as gateway({
		"mode": "MUTUAL",
		"tlsCertificates": [{"serverCertificate": "/etc/tls.crt", "privateKey": "/etc/tls.key", "caCertificates": "/etc/ca.crt"}],
	})
}

test_simple_mode_needs_no_client_ca if {
	count(gw_05.deny) == 0 with input as gateway(files("SIMPLE"))
}

test_other_kinds_ignored if {
	g := gateway(files("MUTUAL"))
	count(gw_05.deny) == 0 with input as object.union(g, {"apiVersion": "gateway.networking.k8s.io/v1"})
	count(gw_05.deny) == 0 with input as object.union(g, {"kind": "DestinationRule"})
}
