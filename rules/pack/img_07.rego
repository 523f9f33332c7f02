# METADATA
# title: Image package with a known vulnerability
# description: >-
#   A package in the image is affected by an advisory of the vulnerability
#   feed (OSV format: GitHub, Go, PyPI, Debian, Alpine and the other
#   ecosystems osv.dev publishes). Each finding names the advisory, the
#   package, the installed version and the first fixed version, and takes
#   its severity from the advisory's CVSS base score (CRITICAL 9.0-10,
#   HIGH 7.0-8.9, MEDIUM 4.0-6.9, LOW below), or the advisory's own rating
#   when it has no CVSS vector; an advisory that rates it nowhere is
#   reported at this rule's severity. PCI DSS asks that critical patches are
#   installed within a month of release (6.3.3) and that internal scans find
#   these (11.3.1).
# custom:
#   id: IMG-07
#   severity: MEDIUM
#   pci: ["6.3.1", "6.3.3", "11.3.1"]
#   kinds: [Image]
#   remediation: |-
#     Upgrade the package to the fixed version (rebuild on a patched base
#     image for OS packages), push, and pin the new digest. When there is no
#     fix yet, assess the exposure and record it as a waiver with an expiry:
#       waivers:
#       - rule: IMG-07
#         resource: Image/registry.example.com/payments/api
#         fingerprint: <the finding's fingerprint>
#         owner: appsec@example.com
#         reason: not reachable from the service's code paths (assessed 2026-11-30)
#         expires: 2026-12-31
package meshproof.img_07

import data.meshproof.lib
import data.meshproof.lib.image

deny contains result if {
	image.is_image
	some i, v in image.spec.vulnerabilities
	msg := sprintf("image %s: %s %s is affected by %s%s (%s)%s", [image.name, v.package, v.installed, v.id, aliases(v), rating(v), fix(v)])
	base := lib.result(msg, ["spec", "vulnerabilities", sprintf("%d", [i])], concat(" ", [v.id, v.purl]))
	result := object.union(base, severity(v))
}

severity(v) := {"severity": v.severity} if v.severity in {"CRITICAL", "HIGH", "MEDIUM", "LOW"} else := {"severity": "INFO"} if v.severity == "NONE" else := {}

aliases(v) := sprintf(" (%s)", [concat(", ", v.aliases)]) if count(v.aliases) > 0 else := ""

rating(v) := sprintf("%s, CVSS %v", [v.severity, v.cvss]) if v.cvss > 0 else := v.severity if v.severity != "" else := "not rated by the advisory"

fix(v) := sprintf("; fixed in %s", [v.fixed]) if v.fixed != "" else := "; no fixed version is known"
