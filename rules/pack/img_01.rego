# METADATA
# title: Image reference not pinned by digest
# description: >-
#   The SBOM and the vulnerability results of a scan describe the digest the
#   tag pointed at when the scan ran. A reference without an @sha256 digest
#   can resolve to other content at the next pull (latest moves on every
#   push, and any tag can be pushed again), so what runs is not what was
#   inventoried and approved (PCI DSS 6.3.2), and a compromised registry or
#   pipeline can swap it unnoticed. The finding names the digest the tag
#   resolved to, ready to pin. Only registry references are concerned: OCI
#   layouts and tarballs named on the command line are files, not pointers.
# custom:
#   id: IMG-01
#   severity: MEDIUM
#   pci: ["6.3.2", "6.3.3"]
#   refs: ["NIST SP 800-190"]
#   kinds: [Image]
#   remediation: |-
#     Reference the image by the digest the scan resolved (a tag may stay for
#     readability; the digest decides what runs):
#       containers:
#       - name: api
#         image: registry.example.com/payments/api:2.3.1@sha256:<digest from the finding>
package meshproof.img_01

import data.meshproof.lib
import data.meshproof.lib.image

deny contains lib.result(msg, ["spec", "reference"], "") if {
	image.is_image
	image.spec.source == "registry"
	not image.spec.pinned
	msg := sprintf("image %s is not pinned by digest%s%s", [image.name, resolved, used_by])
}

resolved := sprintf(" (it resolved to %s)", [image.spec.digest]) if {
	image.spec.digest != ""
} else := ""

used_by := sprintf("; used by %s", [image.workloads(image.spec.uses)]) if {
	count(image.spec.uses) > 0
} else := ""
