// Package vuln matches packages against a vulnerability feed in the OSV
// format (https://ossf.github.io/osv-schema/), offline: a folder of
// advisory JSON files, or of the all.zip archives osv.dev publishes per
// ecosystem. Nothing is downloaded.
//
// Versions are compared with each ecosystem's own rules through
// github.com/google/osv-scalibr/semantic, the comparator osv.dev uses (Go,
// npm, PyPI, Maven, Debian, Ubuntu, Alpine, RPM-based distributions,
// RubyGems, crates.io, NuGet, Packagist and more). A package is matched by
// its package URL: the PURL type and the distro qualifier decide the OSV
// ecosystem ("pkg:deb/debian/...?distro=debian-12" is "Debian:12"), and
// Debian and Alpine packages are matched by their source package too, as
// those advisories name source packages.
//
// Severity comes from the advisory's CVSS vector (v3.x and v2 base scores
// are computed here), else from its database_specific rating; the feed's
// age is the newest modification time of its advisories.
package vuln
