# METADATA
# title: Image from a registry outside the allow-list
# description: >-
#   Images are the third-party software of a cluster: an image pulled from a
#   registry the organisation does not control or vet (a public hub, a
#   typosquatted host, a personal namespace) brings components nobody
#   inventoried, scanned or signed off, and the registry's owner decides what
#   runs in the CDE. The allow-list in .meshproof.yaml (images.
#   allowedRegistries) names the registries, or registry/path prefixes, that
#   workloads may pull from. Without an allow-list the rule cannot be
#   assessed, and says so.
# custom:
#   id: IMG-02
#   severity: HIGH
#   pci: ["6.3.2", "2.2.1"]
#   refs: ["NIST SP 800-190"]
#   kinds: [Image]
#   remediation: |-
#     Mirror the image into an approved registry and reference it there, or
#     add the registry to the allow-list once it is vetted:
#       # .meshproof.yaml
#       images:
#         allowedRegistries:
#         - registry.example.com
#         - ghcr.io/example-org      # a registry/path prefix
package meshproof.img_02

import data.meshproof.lib
import data.meshproof.lib.image

deny contains lib.result(msg, ["spec", "reference"], "") if {
	image.is_image
	image.spec.source == "registry"
	count(image.spec.policy.allowedRegistries) > 0
	not allowed
	msg := sprintf("image %s comes from registry %s, which is not in images.allowedRegistries (%s)", [image.name, image.spec.registry, concat(", ", image.spec.policy.allowedRegistries)])
}

deny contains object.union(lib.result(msg, ["spec", "reference"], ""), {"not_assessed": reason}) if {
	image.is_image
	image.spec.source == "registry"
	count(object.get(image.spec, ["policy", "allowedRegistries"], [])) == 0
	msg := sprintf("image %s comes from registry %s; no allow-list to check it against", [image.name, image.spec.registry])
	reason := "no images.allowedRegistries in .meshproof.yaml"
}

allowed if {
	some entry in image.spec.policy.allowedRegistries
	entry == image.spec.registry
}

allowed if {
	some entry in image.spec.policy.allowedRegistries
	startswith(concat("/", [image.spec.registry, image.spec.repository]), concat("", [trim_suffix(entry, "/"), "/"]))
}
