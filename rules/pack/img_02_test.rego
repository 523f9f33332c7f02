package meshproof.img_02_test

import data.meshproof.img_02

doc(registry, repository, allowed) := {"apiVersion": "meshproof.dev/v1alpha1", "kind": "Image", "metadata": {"name": "x"}, "spec": {
	"reference": concat("/", [registry, repository]), "source": "registry", "registry": registry, "repository": repository,
	"policy": {"allowedRegistries": allowed},
}}

test_registry_outside_allow_list if {
	results := img_02.deny with input as doc("index.docker.io", "library/redis", ["registry.example.com"])
	count(results) == 1
	some r in results
	not r.not_assessed
	contains(r.msg, "comes from registry index.docker.io, which is not in images.allowedRegistries (registry.example.com)")
}

test_allowed_registry_and_prefix if {
	count(img_02.deny) == 0 with input as doc("registry.example.com", "payments/api", ["registry.example.com"])
	count(img_02.deny) == 0 with input as doc("ghcr.io", "example-org/api", ["ghcr.io/example-org"])
	count(img_02.deny) == 0 with input as doc("ghcr.io", "example-org/api", ["ghcr.io/example-org/"])
}

test_prefix_stops_at_path_boundary if {
	count(img_02.deny) == 1 with input as doc("ghcr.io", "example-org-evil/api", ["ghcr.io/example-org"])
}

test_no_allow_list_is_not_assessed if {
	results := img_02.deny with input as doc("ghcr.io", "x/api", [])
	count(results) == 1
	some r in results
	r.not_assessed == "no images.allowedRegistries in .meshproof.yaml"
}
