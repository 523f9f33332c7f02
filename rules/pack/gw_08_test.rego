package meshproof.gw_08_test

import data.meshproof.gw_08

ref(kind, ns, name) := {"id": 0, "api_version": "networking.istio.io/v1", "kind": kind, "namespace": ns, "name": name}

credential(found, problem) := {
	"path": ["spec", "servers", "0", "tls", "credentialName"],
	"namespace": "istio-ingress",
	"name": "pay-example-com",
	"found": found,
	"problem": problem,
}

model(c) := {
	"meshproof_model": 1,
	"gateways": [{"ref": ref("Gateway", "istio-ingress", "public"), "namespace": "istio-ingress", "credentials": [c]}],
}

test_unusable_credential if {
	results := gw_08.deny with input as model(credential(true, "the certificate expired on 2025-01-01"))
	count(results) == 1
	some r in results
	r.resource == ref("Gateway", "istio-ingress", "public")
	r.path == ["spec", "servers", "0", "tls", "credentialName"]
	r.key == "spec.servers.0.tls.credentialName istio-ingress/pay-example-com"
	not r.not_assessed
	contains(r.msg, "Secret istio-ingress/pay-example-com is unusable: the certificate expired on 2025-01-01")
}

test_missing_secret_is_not_assessed if {
	results := gw_08.deny with input as model(credential(false, ""))
	count(results) == 1
	some r in results
	r.not_assessed == "Secret istio-ingress/pay-example-com (the credential, in the gateway workload's namespace) is not in the input"
}

test_valid_credential_passes if {
	count(gw_08.deny) == 0 with input as model(credential(true, ""))
}
