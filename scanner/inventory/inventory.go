// Package inventory holds the results of an image scan as plain data: the
// software inventory of every image the mesh runs (PCI DSS 6.3.2) and the
// known vulnerabilities found in it (6.3.3, 11.3.1). It imports nothing
// heavy, so reports and other consumers can read scan results (meshproof
// scan -o inventory-json writes a Report) without linking syft.
package inventory

import "time"

// Report is what one scan found: every image, and the feed it was matched
// against.
type Report struct {
	// Tool is the meshproof version that made the report.
	Tool string `json:"tool"`
	// ScannedAt is when the scan ran.
	ScannedAt time.Time `json:"scanned_at"`
	// Feed is the vulnerability feed used, nil when none was given.
	Feed *Feed `json:"feed,omitempty"`
	// Shard is "i/n" when the scan was one shard of a split one (scan
	// --shard): Images are then only the shard's.
	Shard  string  `json:"shard,omitempty"`
	Images []Image `json:"images"`
}

// Image is one image reference and what it holds.
type Image struct {
	// Reference is the image as the manifests or the command line wrote it.
	Reference string `json:"reference"`
	// Source is where it was read from: registry, oci-layout, docker-archive or dir.
	Source string `json:"source"`
	// Digest is the manifest digest that was scanned ("" for docker-archive
	// tarballs and folders, which have none).
	Digest string `json:"digest,omitempty"`
	// IndexDigest is the digest of the multi-platform index the image was
	// chosen from, when it came from one.
	IndexDigest string `json:"index_digest,omitempty"`
	// ImageID is the digest of the image config.
	ImageID string `json:"image_id,omitempty"`
	// Platform is os/arch[/variant] of the image.
	Platform string `json:"platform,omitempty"`
	// User is the user the image config runs as ("" is root).
	User string `json:"user"`
	// Distro is the Linux distribution found in the image ("debian 12"), "" if none.
	Distro string `json:"distro,omitempty"`
	// Components counts the packages in the SBOM.
	Components int         `json:"components"`
	Packages   []Component `json:"packages"`
	// SBOMFile is the file the SBOM was written to, when one was asked for.
	SBOMFile string `json:"sbom_file,omitempty"`
	// Cached is true when the SBOM came from the cache.
	Cached bool `json:"cached"`
	// Uses are the workloads that run the image (none for an image named
	// on the command line).
	Uses []Use `json:"uses"`
	// Vulnerabilities are the known vulnerabilities of the image's packages.
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
	// Error says why the image could not be scanned; the other fields but
	// Reference, Source and Uses are then empty.
	Error string `json:"error,omitempty"`
}

// Component is one package of an image.
type Component struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Type is the package type as syft names it (apk, deb, rpm, go-module, npm, python, java-archive...).
	Type     string   `json:"type"`
	PURL     string   `json:"purl"`
	Licenses []string `json:"licenses"`
}

// Use is one container of one workload that runs an image.
type Use struct {
	// Resource is "Kind/namespace/name".
	Resource  string `json:"resource"`
	Container string `json:"container"`
	File      string `json:"file"`
	Line      int    `json:"line"`
}

// Vulnerability is one advisory that affects one installed package.
type Vulnerability struct {
	// ID is the advisory's ID (GHSA-..., GO-..., DSA-..., CVE-...).
	ID string `json:"id"`
	// Aliases are the other IDs of the same vulnerability (CVE IDs).
	Aliases []string `json:"aliases"`
	Summary string   `json:"summary,omitempty"`
	// Package is the affected package's name, PURL its package URL.
	Package string `json:"package"`
	PURL    string `json:"purl"`
	// Ecosystem is the OSV ecosystem matched ("npm", "Debian:12", "Alpine:v3.20").
	Ecosystem string `json:"ecosystem"`
	Installed string `json:"installed_version"`
	// Fixed is the first version that fixes it, "" when no fix is known.
	Fixed string `json:"fixed_version"`
	// Severity is CRITICAL, HIGH, MEDIUM, LOW or NONE from the CVSS score,
	// or the advisory's own rating when it has no CVSS vector; "" when the
	// advisory rates it nowhere.
	Severity string `json:"severity"`
	// CVSS is the base score computed from CVSSVector (0 when there is none).
	CVSS       float64 `json:"cvss,omitempty"`
	CVSSVector string  `json:"cvss_vector,omitempty"`
	// SeveritySource says where Severity comes from: CVSS_V3, CVSS_V2,
	// database_specific, or "".
	SeveritySource string `json:"severity_source,omitempty"`
	// Modified is when the advisory last changed.
	Modified time.Time `json:"modified"`
	// File is the feed file that holds the advisory.
	File string `json:"file"`
}

// Feed describes the vulnerability feed a scan matched against.
type Feed struct {
	Path string `json:"path"`
	// Advisories counts the advisories read (withdrawn ones excluded).
	Advisories int `json:"advisories"`
	// Ecosystems are the OSV ecosystems the feed covers.
	Ecosystems []string `json:"ecosystems"`
	// Date is the newest modification time of any advisory: the feed is
	// at least as old as Now - Date.
	Date time.Time `json:"date"`
	// AgeDays is the feed's age in whole days at scan time.
	AgeDays int `json:"age_days"`
}
