# METADATA
# title: Image contains a package under a denied licence
# description: >-
#   The SBOM records the licence each package declares. A licence the
#   organisation does not accept in what it ships or runs (a network copyleft
#   licence in a proprietary service, a non-commercial licence) is a legal
#   exposure that the software inventory should surface before release.
#   images.deniedLicenses in .meshproof.yaml lists SPDX licence IDs; a
#   package is reported when any of its licence expressions names one.
# custom:
#   id: IMG-05
#   severity: MEDIUM
#   pci: ["6.3.2"]
#   kinds: [Image]
#   remediation: |-
#     Replace the package with one under an accepted licence, or record the
#     approval as a waiver:
#       # .meshproof.yaml
#       images:
#         deniedLicenses: [AGPL-3.0-only, AGPL-3.0-or-later, SSPL-1.0]
package meshproof.img_05

import data.meshproof.lib
import data.meshproof.lib.image

deny contains lib.result(msg, ["spec", "packages", sprintf("%d", [i]), "licenses"], concat("", [p.purl, " ", denied])) if {
	image.is_image
	some i, p in image.spec.packages
	some lic in p.licenses
	some denied in object.get(image.spec, ["policy", "deniedLicenses"], [])
	names(lic, denied)
	msg := sprintf("image %s contains %s %s under %s, denied by images.deniedLicenses", [image.name, p.name, p.version, lic])
}

# names is true when the licence expression lic names the SPDX ID id (the
# expression's words, so that MIT does not match MIT-0).
names(lic, id) if {
	some word in regex.split(`[\s()]+`, lic)
	lower(word) == lower(id)
}
