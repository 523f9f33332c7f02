package meshproof.mtls_03_test

import data.meshproof.mtls_03

pa(mode) := {
	"apiVersion": "security.istio.io/v1",
	"kind": "PeerAuthentication",
	"metadata": {"name": "default", "namespace": "payments"},
	"spec": {"mtls": {"mode": mode}},
}

test_disable_is_denied if {
	count(mtls_03.deny) == 1 with input as pa("DISABLE")
}

test_finding_points_at_the_mode if {
	some r in mtls_03.deny with input as pa("DISABLE")
	r.path == ["spec", "mtls", "mode"]
}

test_strict_and_permissive_pass if {
	count(mtls_03.deny) == 0 with input as pa("STRICT")
	count(mtls_03.deny) == 0 with input as pa("PERMISSIVE")
}

test_other_kinds_ignored if {
	count(mtls_03.deny) == 0 with input as object.union(pa("DISABLE"), {"kind": "DestinationRule"})
}
