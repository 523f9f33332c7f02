package vuln

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"

	"github.com/meshproof/meshproof/scanner/inventory"
)

// Package is what matching needs to know of an installed package.
type Package struct {
	Name    string
	Version string
	PURL    string
}

// target is a package as OSV names it: ecosystem (with its release, as
// "Debian:12") and the names to look it up by.
type target struct {
	ecosystem string // "Debian:12", "npm"
	base      string // "Debian", "npm"
	names     []string
	version   string
}

// targetOf maps a package URL to its OSV ecosystem and names. ok is false
// for package types no OSV ecosystem covers.
func targetOf(p Package) (t target, ok bool) {
	u, err := ParsePURL(p.PURL)
	if err != nil {
		return t, false
	}
	t.version = cmp.Or(u.Version, p.Version)
	name := u.Name
	switch u.Type {
	case "golang":
		t.base = "Go"
		name = strings.Trim(u.Namespace+"/"+u.Name, "/")
		// OSV writes Go versions without the v, and the standard library's as 1.22.1.
		t.version = strings.TrimPrefix(strings.TrimPrefix(t.version, "go"), "v")
		if name == "stdlib" || strings.HasPrefix(u.Version, "go") {
			name = "stdlib"
		}
	case "npm":
		t.base = "npm"
		if u.Namespace != "" {
			name = u.Namespace + "/" + u.Name
		}
	case "pypi":
		t.base = "PyPI"
	case "maven":
		t.base = "Maven"
		name = u.Namespace + ":" + u.Name
	case "gem":
		t.base = "RubyGems"
	case "cargo":
		t.base = "crates.io"
	case "nuget":
		t.base = "NuGet"
	case "composer":
		t.base = "Packagist"
		name = strings.Trim(u.Namespace+"/"+u.Name, "/")
	case "hex":
		t.base = "Hex"
	case "pub":
		t.base = "Pub"
	case "deb":
		distro, release := splitDistro(u.Qualifiers["distro"])
		switch cmp.Or(distro, strings.ToLower(u.Namespace)) {
		case "debian":
			t.base, t.ecosystem = "Debian", "Debian:"+majorOf(release)
		case "ubuntu":
			t.base, t.ecosystem = "Ubuntu", "Ubuntu:"+release
		default:
			return t, false
		}
		if release == "" {
			t.ecosystem = t.base
		}
		t.names = sourceFirst(u)
	case "apk":
		distro, release := splitDistro(u.Qualifiers["distro"])
		switch cmp.Or(distro, strings.ToLower(u.Namespace)) {
		case "alpine":
			t.base = "Alpine"
			if r := majorMinor(release); r != "" {
				t.ecosystem = "Alpine:v" + r
			}
		case "wolfi":
			t.base = "Wolfi"
		case "chainguard":
			t.base = "Chainguard"
		default:
			return t, false
		}
		t.names = sourceFirst(u)
	case "rpm":
		distro, release := splitDistro(u.Qualifiers["distro"])
		switch cmp.Or(distro, strings.ToLower(u.Namespace)) {
		case "rocky":
			t.base, t.ecosystem = "Rocky Linux", "Rocky Linux:"+majorOf(release)
		case "almalinux":
			t.base, t.ecosystem = "AlmaLinux", "AlmaLinux:"+majorOf(release)
		case "redhat", "rhel":
			t.base = "Red Hat"
		case "opensuse", "opensuse-leap", "opensuse-tumbleweed":
			t.base = "openSUSE"
		case "sles", "suse":
			t.base = "SUSE"
		case "mageia":
			t.base, t.ecosystem = "Mageia", "Mageia:"+release
		case "openeuler":
			t.base = "openEuler"
		default:
			return t, false
		}
		if release == "" {
			t.ecosystem = t.base
		}
		if e := u.Qualifiers["epoch"]; e != "" && e != "0" && !strings.Contains(t.version, ":") {
			t.version = e + ":" + t.version
		}
		t.names = sourceFirst(u)
	default:
		return t, false
	}
	if t.ecosystem == "" {
		t.ecosystem = t.base
	}
	if t.names == nil {
		t.names = []string{name}
	}
	return t, t.version != ""
}

// sourceFirst lists a distro package's source package (the upstream
// qualifier, which Debian and Alpine advisories name) and its own name.
func sourceFirst(u PURL) []string {
	src, _, _ := strings.Cut(u.Qualifiers["upstream"], "@")
	if src != "" && src != u.Name {
		return []string{src, u.Name}
	}
	return []string{u.Name}
}

// splitDistro splits "debian-12" into "debian" and "12".
func splitDistro(q string) (string, string) {
	i := strings.LastIndex(q, "-")
	if i < 0 {
		return strings.ToLower(q), ""
	}
	return strings.ToLower(q[:i]), q[i+1:]
}

func majorOf(v string) string { m, _, _ := strings.Cut(v, "."); return m }

func majorMinor(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// Match returns the vulnerabilities of pkgs, one per advisory and package,
// sorted by package, then advisory ID. An advisory that is an alias of
// another one already matched for the same package (GHSA and CVE records of
// one flaw) is reported once.
func (f *Feed) Match(pkgs []Package) []inventory.Vulnerability {
	var out []inventory.Vulnerability
	for _, p := range pkgs {
		t, ok := targetOf(p)
		if !ok {
			continue
		}
		var found []inventory.Vulnerability
		seen := map[string]bool{}
		for _, n := range t.names {
			for _, e := range f.byName[t.base][normalizeName(t.base, n)] {
				if !ecosystemMatches(e.af.Package.Ecosystem, t) {
					continue
				}
				fixed, hit := affects(e.af, t)
				if !hit || seen[e.adv.ID] {
					continue
				}
				seen[e.adv.ID] = true
				found = append(found, vulnerability(e, p, t, fixed))
			}
		}
		out = append(out, dropAliases(found)...)
	}
	slices.SortFunc(out, func(a, b inventory.Vulnerability) int {
		return cmp.Or(cmp.Compare(a.Package, b.Package), cmp.Compare(a.Installed, b.Installed), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// ecosystemMatches: an advisory for "Debian:12" matches Debian 12 packages
// only; one for plain "Debian" (or "Red Hat" products under it) matches
// every release.
func ecosystemMatches(adv string, t target) bool {
	if adv == t.ecosystem || adv == t.base {
		return true
	}
	if t.base == "Red Hat" || t.base == "SUSE" || t.base == "openSUSE" {
		return strings.HasPrefix(adv, t.base+":")
	}
	return false
}

// dropAliases keeps one record of a vulnerability that several advisories
// describe, with the others' IDs as aliases: the one that rates the
// severity, else the ecosystem's own advisory over a bare CVE record, else
// the ID that sorts first.
func dropAliases(vs []inventory.Vulnerability) []inventory.Vulnerability {
	slices.SortFunc(vs, func(a, b inventory.Vulnerability) int {
		return cmp.Or(
			cmp.Compare(boolInt(a.Severity == ""), boolInt(b.Severity == "")),
			cmp.Compare(boolInt(strings.HasPrefix(a.ID, "CVE-")), boolInt(strings.HasPrefix(b.ID, "CVE-"))),
			cmp.Compare(a.ID, b.ID))
	})
	var out []inventory.Vulnerability
	for _, v := range vs {
		dup := false
		for i := range out {
			if slices.Contains(out[i].Aliases, v.ID) || slices.Contains(v.Aliases, out[i].ID) {
				if !slices.Contains(out[i].Aliases, v.ID) {
					out[i].Aliases = append(out[i].Aliases, v.ID)
				}
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// affects says whether the installed version is affected, and the first
// fixed version above it.
func affects(af *Affected, t target) (fixed string, hit bool) {
	installed, err := semantic.Parse(t.version, t.base)
	if err != nil {
		return "", false
	}
	cmpTo := func(s string) (int, bool) {
		c, err := installed.CompareStr(s)
		return c, err == nil
	}
	for _, v := range af.Versions {
		if c, ok := cmpTo(v); ok && c == 0 {
			hit = true
		}
	}
	for _, r := range af.Ranges {
		if r.Type != "SEMVER" && r.Type != "ECOSYSTEM" {
			continue
		}
		in, fix := inRange(r, t, cmpTo)
		if in {
			hit = true
			if fix != "" && (fixed == "" || lessVersion(fix, fixed, t.base)) {
				fixed = fix
			}
		}
	}
	return fixed, hit
}

// inRange evaluates one range's events in version order, as the OSV
// specification describes: introduced opens the range, fixed and limit
// close it before, last_affected after the version.
func inRange(r Range, t target, cmpTo func(string) (int, bool)) (in bool, fixed string) {
	events := slices.Clone(r.Events)
	slices.SortStableFunc(events, func(a, b Event) int { return compareEvents(a, b, t.base) })
	for _, e := range events {
		switch {
		case e.Introduced != "":
			if e.Introduced == "0" {
				in = true
			} else if c, ok := cmpTo(e.Introduced); ok && c >= 0 {
				in = true
			}
		case e.Fixed != "":
			if c, ok := cmpTo(e.Fixed); ok && c >= 0 {
				in = false
			} else if ok && in && fixed == "" {
				fixed = e.Fixed
			}
		case e.LastAffected != "":
			if c, ok := cmpTo(e.LastAffected); ok && c > 0 {
				in = false
			}
		case e.Limit != "":
			if c, ok := cmpTo(e.Limit); ok && c >= 0 {
				in = false
			}
		}
	}
	if !in {
		fixed = ""
	}
	return in, fixed
}

func eventVersion(e Event) string {
	return cmp.Or(e.Introduced, e.Fixed, e.LastAffected, e.Limit)
}

// compareEvents orders events by version; "0" (the beginning of time)
// comes first, and so does an event whose version cannot be parsed, so
// that it stays where the advisory put it relative to the others.
func compareEvents(a, b Event, ecosystem string) int {
	va, vb := eventVersion(a), eventVersion(b)
	if va == "0" || vb == "0" {
		return cmp.Compare(boolInt(va != "0"), boolInt(vb != "0"))
	}
	pa, err := semantic.Parse(va, ecosystem)
	if err != nil {
		return 0
	}
	c, err := pa.CompareStr(vb)
	if err != nil {
		return 0
	}
	return c
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func lessVersion(a, b, ecosystem string) bool {
	pa, err := semantic.Parse(a, ecosystem)
	if err != nil {
		return false
	}
	c, err := pa.CompareStr(b)
	return err == nil && c < 0
}

func vulnerability(e entry, p Package, t target, fixed string) inventory.Vulnerability {
	v := inventory.Vulnerability{
		ID:        e.adv.ID,
		Aliases:   slices.Clone(e.adv.Aliases),
		Summary:   e.adv.Summary,
		Package:   p.Name,
		PURL:      p.PURL,
		Ecosystem: e.af.Package.Ecosystem,
		Installed: p.Version,
		Fixed:     fixed,
		Modified:  e.adv.Modified,
		File:      e.adv.File,
	}
	if v.Aliases == nil {
		v.Aliases = []string{}
	}
	// The affected entry's own severity wins over the advisory's; a CVSS v3
	// vector wins over v2, and the highest score over lower ones.
	for _, sevs := range [][]Severity{e.af.Severity, e.adv.Severity} {
		bestRank, best := -1, -1.0
		for _, s := range sevs {
			score, version, err := CVSSScore(s.Score)
			if err != nil {
				continue
			}
			rank := boolInt(version == "CVSS_V3")
			if rank > bestRank || rank == bestRank && score > best {
				bestRank, best = rank, score
				v.CVSS, v.CVSSVector, v.SeveritySource = score, s.Score, version
				v.Severity = Rating(score, version)
			}
		}
		if v.SeveritySource != "" {
			return v
		}
	}
	for _, raw := range []json.RawMessage{e.af.DatabaseSpecific, e.adv.DatabaseSpecific} {
		var ds struct {
			Severity any `json:"severity"`
		}
		if json.Unmarshal(raw, &ds) != nil {
			continue
		}
		if s, ok := ds.Severity.(string); ok {
			if r := ratingName(s); r != "" {
				v.Severity, v.SeveritySource = r, "database_specific"
				return v
			}
		}
	}
	return v
}

// ratingName reads the qualitative ratings feeds use (GitHub's MODERATE is MEDIUM).
func ratingName(s string) string {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "CRITICAL":
		return "CRITICAL"
	case "HIGH", "IMPORTANT":
		return "HIGH"
	case "MODERATE", "MEDIUM":
		return "MEDIUM"
	case "LOW", "NEGLIGIBLE", "UNIMPORTANT":
		return "LOW"
	}
	return ""
}
