# METADATA
# title: Image contains a denied package
# description: >-
#   Some components are banned outright by the organisation: end-of-life
#   runtimes, libraries with a history of critical flaws, tools that have no
#   place in production (a shell, a package manager, a debugger in a
#   distroless image). images.deniedPackages in .meshproof.yaml lists them by
#   package name, or by package URL prefix (pkg:npm/event-stream,
#   pkg:deb/debian/openssh-server), and the SBOM shows whether the image
#   carries one.
# custom:
#   id: IMG-04
#   severity: HIGH
#   pci: ["6.3.2", "6.3.3"]
#   kinds: [Image]
#   remediation: |-
#     Remove the package from the image (a multi-stage build that copies only
#     the application, or a distroless base), or replace it; if the ban is
#     wrong, change images.deniedPackages:
#       # .meshproof.yaml
#       images:
#         deniedPackages: [pkg:npm/event-stream, openssh-server]
package meshproof.img_04

import data.meshproof.lib
import data.meshproof.lib.image

deny contains lib.result(msg, ["spec", "packages", sprintf("%d", [i])], p.purl) if {
	image.is_image
	some i, p in image.spec.packages
	some entry in object.get(image.spec, ["policy", "deniedPackages"], [])
	denied(p, entry)
	msg := sprintf("image %s contains %s %s (%s), denied by images.deniedPackages entry %q", [image.name, p.name, p.version, p.purl, entry])
}

denied(p, entry) if {
	not startswith(entry, "pkg:")
	p.name == entry
}

denied(p, entry) if {
	startswith(entry, "pkg:")
	p.purl == entry
}

denied(p, entry) if {
	startswith(entry, "pkg:")
	some sep in ["@", "?", "/"]
	startswith(p.purl, concat("", [entry, sep]))
}
