# METADATA
# title: SBOM of an image is empty
# description: >-
#   Every real image holds packages syft can catalog: an OS package database,
#   language packages, Go or Rust binaries with build information. An SBOM
#   with no component at all means the inventory failed (a scratch image
#   with a stripped binary, an unsupported packaging, files copied in
#   without metadata), not that the image is free of third-party software,
#   and vulnerability matching then has nothing to match: the image is
#   unassessed, which must not read as a pass.
# custom:
#   id: IMG-06
#   severity: HIGH
#   pci: ["6.3.2", "6.3.3"]
#   kinds: [Image]
#   remediation: |-
#     Build the image so that its software can be inventoried: keep the
#     package database of the base image, build Go binaries with module
#     information (the default; do not strip it with -buildvcs tricks or
#     UPX), or publish the SBOM with the image (docker buildx build --sbom=true).
package meshproof.img_06

import data.meshproof.lib
import data.meshproof.lib.image

deny contains lib.result(msg, ["spec", "components"], "") if {
	image.is_image
	image.spec.components == 0
	msg := sprintf("the SBOM of image %s lists no components: nothing could be inventoried or checked for vulnerabilities", [image.name])
}
