package meshproof.img_01_test

import data.meshproof.img_01

doc(spec) := {"apiVersion": "meshproof.dev/v1alpha1", "kind": "Image", "metadata": {"name": "registry.example.com/payments/api"}, "spec": object.union({
	"reference": "registry.example.com/payments/api:2.3.1", "source": "registry", "pinned": false,
	"digest": "sha256:abc", "uses": [{"resource": "Deployment/payments/api", "container": "api"}],
}, spec)}

test_tag_not_pinned if {
	results := img_01.deny with input as doc({})
	count(results) == 1
	some r in results
	r.path == ["spec", "reference"]
	r.msg == "image registry.example.com/payments/api:2.3.1 is not pinned by digest (it resolved to sha256:abc); used by Deployment/payments/api (container api)"
}

test_pinned_passes if {
	count(img_01.deny) == 0 with input as doc({"pinned": true})
}

test_files_are_not_references if {
	count(img_01.deny) == 0 with input as doc({"source": "oci-layout"})
}

test_unresolved_and_unused if {
	some r in img_01.deny with input as doc({"digest": "", "uses": []})
	r.msg == "image registry.example.com/payments/api:2.3.1 is not pinned by digest"
}

test_other_kinds_ignored if {
	count(img_01.deny) == 0 with input as object.union(doc({}), {"kind": "Deployment", "apiVersion": "apps/v1"})
}
