package meshproof.img_06_test

import data.meshproof.img_06

doc(n) := {"apiVersion": "meshproof.dev/v1alpha1", "kind": "Image", "metadata": {"name": "x"}, "spec": {"reference": "registry.example.com/api:1", "components": n}}

test_empty_sbom if {
	results := img_06.deny with input as doc(0)
	count(results) == 1
	some r in results
	r.path == ["spec", "components"]
	contains(r.msg, "lists no components")
}

test_components_pass if {
	count(img_06.deny) == 0 with input as doc(3)
}
