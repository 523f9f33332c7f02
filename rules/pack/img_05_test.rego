package meshproof.img_05_test

import data.meshproof.img_05

doc(denied) := {"apiVersion": "meshproof.dev/v1alpha1", "kind": "Image", "metadata": {"name": "x"}, "spec": {
	"reference": "registry.example.com/api:1",
	"packages": [
		{"name": "mongo-driver", "version": "1.0", "purl": "pkg:npm/mongo-driver@1.0", "licenses": ["(MIT OR AGPL-3.0-only)"]},
		{"name": "tiny", "version": "1.0", "purl": "pkg:npm/tiny@1.0", "licenses": ["MIT-0"]},
	],
	"policy": {"deniedLicenses": denied},
}}

test_denied_licence_in_an_expression if {
	results := img_05.deny with input as doc(["agpl-3.0-only"])
	count(results) == 1
	some r in results
	r.path == ["spec", "packages", "0", "licenses"]
	contains(r.msg, "contains mongo-driver 1.0 under (MIT OR AGPL-3.0-only)")
}

test_whole_words_only if {
	results := img_05.deny with input as doc(["MIT"])
	count(results) == 1
	some r in results
	r.path == ["spec", "packages", "0", "licenses"]
}

test_no_deny_list if {
	count(img_05.deny) == 0 with input as doc([])
}
