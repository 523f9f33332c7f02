package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/scanner/inventory"
)

// imageKind is the kind of the image documents the image policies see.
const imageKind = "Image"

// imageRule reports whether a rule is about images (the scan's rules).
func imageRule(r rules.Rule) bool {
	return r.Input == "image" || slices.Contains(r.Kinds, imageKind)
}

// buildScan makes the inventory and vulnerability sections, and says what
// the scan left unassessed.
func buildScan(s *Scan) (Inventory, Vulnerabilities, []string) {
	inv := Inventory{Status: StatusNotAssessed, Reason: NoScan, Images: []Image{}}
	vul := Vulnerabilities{Status: StatusNotAssessed, Reason: NoScan, BySeverity: map[string]int{}, Items: []Vulnerability{}}
	incomplete := []string{}
	if s == nil || s.Inventory == nil {
		return inv, vul, incomplete
	}
	inv.Status, inv.Reason = "assessed", ""
	if !s.Inventory.ScannedAt.IsZero() {
		inv.ScannedAt = s.Inventory.ScannedAt.UTC().Format(time.RFC3339)
	}
	for i, im := range s.Inventory.Images {
		out := imageOf(im, ImageScanned)
		if i < len(s.SBOMs) {
			out.SBOMs = nonNil(s.SBOMs[i])
		}
		if im.Error != "" {
			out.Status = ImageFailed
			incomplete = append(incomplete, fmt.Sprintf("image %s could not be scanned: %s", im.Reference, im.Error))
		}
		inv.Images = append(inv.Images, out)
		for _, v := range im.Vulnerabilities {
			vul.Items = append(vul.Items, Vulnerability{ID: v.ID, Aliases: nonNil(v.Aliases), Severity: cmp.Or(strings.ToUpper(v.Severity), "UNKNOWN"), Image: im.Reference, Package: v.Package, Version: v.Installed, FixedIn: v.Fixed})
		}
	}
	for _, im := range s.Missing {
		out := imageOf(im, ImageMissing)
		out.Error = "the manifests run it; the inventory does not hold it"
		inv.Images = append(inv.Images, out)
		incomplete = append(incomplete, fmt.Sprintf("image %s (%s) is not in the inventory", im.Reference, strings.Join(out.Uses, ", ")))
	}
	if s.Inventory.Feed == nil {
		vul.Reason = "the image scan matched no vulnerability feed (--vuln-db)"
		return inv, vul, incomplete
	}
	f := s.Inventory.Feed
	vul.Status, vul.Reason = "assessed", ""
	vul.FeedDate, vul.Feed, vul.Advisories = f.Date.UTC().Format(time.DateOnly), f.Path, f.Advisories
	for _, v := range vul.Items {
		vul.BySeverity[v.Severity]++
	}
	return inv, vul, incomplete
}

func imageOf(im inventory.Image, status string) Image {
	out := Image{Ref: im.Reference, Status: status, Error: im.Error, Digest: cmp.Or(im.Digest, im.ImageID), Platform: im.Platform, Distro: im.Distro,
		Components: im.Components, ByType: map[string]int{}, Vulnerabilities: len(im.Vulnerabilities), Uses: []string{}, SBOMs: []string{}}
	for _, p := range im.Packages {
		out.ByType[cmp.Or(p.Type, "unknown")]++
	}
	for _, u := range im.Uses {
		if !slices.Contains(out.Uses, u.Resource) {
			out.Uses = append(out.Uses, u.Resource)
		}
	}
	return out
}

// withScan adds the scan's findings, rules and waivers to the check's, so
// that they count in the requirements and the summary as the check's do.
func withScan(in Input) Input {
	if in.Scan == nil {
		return in
	}
	c := *in.Check
	c.Findings = append(slices.Clone(c.Findings), in.Scan.Findings...)
	rules.SortFindings(c.Findings)
	c.Rules = slices.Clone(c.Rules)
	for _, r := range in.Scan.Rules {
		if !slices.ContainsFunc(c.Rules, func(x rules.Rule) bool { return x.ID == r.ID }) {
			c.Rules = append(c.Rules, r)
		}
	}
	c.Waivers = mergeWaivers(c.Waivers, in.Scan.Waivers)
	in.Check = &c
	return in
}

// mergeWaivers joins the waiver statuses of two runs over the same
// waivers: a waiver is unused only when neither used it, and its matches
// add up.
func mergeWaivers(a, b []rules.WaiverStatus) []rules.WaiverStatus {
	type key struct{ rule, resource, fingerprint, source string }
	k := func(w rules.WaiverStatus) key {
		return key{w.Waiver.Rule, w.Waiver.Resource, w.Waiver.Fingerprint, w.Waiver.Source}
	}
	var out []rules.WaiverStatus
	idx := map[key]int{}
	for _, w := range append(slices.Clone(a), b...) {
		i, ok := idx[k(w)]
		if !ok {
			idx[k(w)] = len(out)
			out = append(out, w)
			continue
		}
		x := &out[i]
		switch {
		case x.Status == "unused":
			matched := x.Matched
			*x = w
			x.Matched += matched
		case w.Status != "unused":
			x.Matched += w.Matched
		}
	}
	return out
}

// scannedImages counts the images the scan read.
func scannedImages(rep *Report) int {
	n := 0
	for _, im := range rep.Inventory.Images {
		if im.Status == ImageScanned {
			n++
		}
	}
	return n
}
