package meshproof.img_04_test

import data.meshproof.img_04

doc(denied) := {"apiVersion": "meshproof.dev/v1alpha1", "kind": "Image", "metadata": {"name": "x"}, "spec": {
	"reference": "registry.example.com/api:1",
	"packages": [
		{"name": "lodash", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"},
		{"name": "lodash.merge", "version": "4.6.2", "purl": "pkg:npm/lodash.merge@4.6.2"},
		{"name": "openssh-server", "version": "1:9.2p1-2", "purl": "pkg:deb/debian/openssh-server@1%3A9.2p1-2?arch=amd64"},
	],
	"policy": {"deniedPackages": denied},
}}

test_denied_by_name if {
	results := img_04.deny with input as doc(["openssh-server"])
	count(results) == 1
	some r in results
	r.path == ["spec", "packages", "2"]
	r.key == "pkg:deb/debian/openssh-server@1%3A9.2p1-2?arch=amd64"
	contains(r.msg, "contains openssh-server 1:9.2p1-2")
}

test_denied_by_purl_prefix_not_a_longer_name if {
	results := img_04.deny with input as doc(["pkg:npm/lodash"])
	count(results) == 1
	some r in results
	r.path == ["spec", "packages", "0"]
}

test_nothing_denied if {
	count(img_04.deny) == 0 with input as doc([])
	count(img_04.deny) == 0 with input as doc(["event-stream"])
}
