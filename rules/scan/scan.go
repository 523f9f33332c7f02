// Package scan runs meshproof's image scan end to end: it finds every image
// the manifests' pod templates run (plus images named directly), resolves
// tags to digests, builds an SBOM of each with bounded parallelism (from the
// cache when the digest is unchanged), matches the SBOMs against an offline
// OSV feed, evaluates the pack's image policies (IMG-*) on one image
// document per reference, and applies waivers and the baseline as check
// does.
//
// An image that cannot be scanned (missing, unreachable registry, corrupt
// tarball, a layout without the digest asked for) does not stop the others:
// it is reported in Result.Failed, in the inventory with its error, and as
// a not-assessed SCAN-01 finding, and the caller must treat the run as
// incomplete.
package scan

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/meshproof/meshproof/internal/parallel"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/scanner"
	"github.com/meshproof/meshproof/scanner/image"
	"github.com/meshproof/meshproof/scanner/inventory"
	"github.com/meshproof/meshproof/scanner/sbom"
	"github.com/meshproof/meshproof/scanner/vuln"
)

// APIVersion and Kind of the image documents the image rules see.
const (
	APIVersion = "meshproof.dev/v1alpha1"
	Kind       = "Image"
)

// ErrorRule is the rule behind the finding of an image that could not be
// scanned: not assessed, so never a pass.
var ErrorRule = rules.Rule{
	ID:       "SCAN-01",
	Title:    "Image could not be scanned",
	Severity: rules.High,
	PCI:      []string{"6.3.2", "11.3.1"},
	Rationale: "An image that cannot be read has no inventory and no vulnerability result: it is " +
		"unassessed, and the scan is incomplete.",
	Remediation: "Fix what the message names (the reference, the registry's reachability or credentials, " +
		"the tarball or layout), then scan again.",
	Input:   "image",
	Package: "rules/scan",
}

// Options direct one scan.
type Options struct {
	// Paths are manifests (files, folders, "-") whose workloads' images are scanned.
	Paths []string
	Stdin io.Reader
	Load  scanner.LoadOptions
	// Images are sources named directly (registry references, oci-layout:,
	// docker-archive:, dir:).
	Images []string
	Config *rules.Config
	// Engine evaluates the image rules; build it once with engine.New.
	Engine *engine.Engine
	// SBOM says how images are fetched and cached.
	SBOM sbom.Options
	// Feed is the vulnerability feed; nil skips vulnerability matching.
	Feed *vuln.Feed
	// Jobs bounds how many images are scanned at once (min(4, cores) when 0).
	Jobs int
	// SBOMDir, when set, receives one SBOM file per image in SBOMFormat.
	SBOMDir    string
	SBOMFormat string
	FailOn     rules.Severity
	Waivers    []rules.Waiver
	Baseline   rules.Baseline
	// Now dates the report and decides waiver expiry (time.Now when zero).
	Now time.Time
	// Progress, when set, is called after each image with the count done.
	Progress func(done, total int, reference string)
	Tool     string
	// Shard, when set, scans only the images the shard owns (by a hash of
	// the reference, so the split is stable), out of all the inputs name.
	Shard check.Shard
}

// settings checks that opts has an engine and gives the configuration and
// the time of the run, their defaults filled in.
func (opts Options) settings() (*rules.Config, time.Time, error) {
	if opts.Engine == nil {
		return nil, time.Time{}, fmt.Errorf("scan: no policy engine")
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return cmp.Or(opts.Config, rules.DefaultConfig()), now, nil
}

// Result is what a scan found.
type Result struct {
	// Report holds the findings, as check's report does.
	Report *rules.Report
	// Inventory is the per-image software inventory and vulnerabilities.
	Inventory *inventory.Report
	// Failed lists the images that could not be scanned; when it is not
	// empty the scan is incomplete.
	Failed []*ImageError
}

// ImageError is an image that could not be scanned.
type ImageError struct {
	Reference string
	Err       error
}

func (e *ImageError) Error() string { return e.Err.Error() }
func (e *ImageError) Unwrap() error { return e.Err }

// target is one image reference to scan.
type target struct {
	reference string
	src       image.Source
	srcErr    error
	uses      []image.Use
}

// Run scans. It returns an error when the scan could not run at all
// (unreadable manifests, a malformed image argument, no images); images
// that fail are in Result.Failed.
func Run(ctx context.Context, opts Options) (*Result, error) {
	cfg, now, err := opts.settings()
	if err != nil {
		return nil, err
	}
	var targets []target
	files := map[string]bool{}
	if len(opts.Paths) > 0 {
		lo := opts.Load
		lo.Stdin = opts.Stdin
		objs, err := scanner.Load(ctx, opts.Paths, lo)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			files[o.File] = true
		}
		for _, r := range image.References(objs) {
			t := target{reference: r.Image, uses: r.Uses}
			t.src, t.srcErr = image.ParseSource("registry:" + r.Image)
			if t.srcErr != nil {
				u := r.Uses[0]
				t.srcErr = fmt.Errorf("%s:%d: %w", u.File, u.Line, t.srcErr)
			}
			targets = append(targets, t)
		}
	}
	for _, s := range opts.Images {
		src, err := image.ParseSource(s)
		if err != nil {
			return nil, err
		}
		targets = append(targets, target{reference: s, src: src})
	}
	if len(targets) == 0 {
		return nil, errors.New("scan: no images found (the manifests have no pod templates with images; name images with --image)")
	}
	if opts.Shard.Count > 1 {
		// Another shard scans the others; a shard may own none.
		targets = slices.DeleteFunc(targets, func(t target) bool { return !opts.Shard.OwnsKey(t.reference) })
	}

	results := scanAll(ctx, targets, opts)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inv := &inventory.Report{Tool: opts.Tool, ScannedAt: now.UTC(), Images: make([]inventory.Image, len(targets))}
	if opts.Shard.Count > 1 {
		inv.Shard = opts.Shard.String()
	}
	if opts.Feed != nil {
		info := opts.Feed.Info
		info.AgeDays = opts.Feed.Age(now)
		inv.Feed = &info
	}
	res := &Result{Inventory: inv}
	var docs []*scanner.Object
	var findings []rules.Finding
	for i, t := range targets {
		r := results[i]
		im := &inv.Images[i]
		im.Reference, im.Source = t.reference, string(t.src.Kind)
		im.Uses = uses(t.uses)
		im.Packages, im.Vulnerabilities = []inventory.Component{}, []inventory.Vulnerability{}
		if r.err != nil {
			im.Error = r.err.Error()
			res.Failed = append(res.Failed, &ImageError{Reference: t.reference, Err: r.err})
			findings = append(findings, errorFinding(t, r.err))
			continue
		}
		fill(im, r.sbom, opts.Feed)
		if opts.SBOMDir != "" {
			f, err := writeSBOM(opts.SBOMDir, opts.SBOMFormat, t, r.sbom)
			if err != nil {
				return nil, err
			}
			im.SBOMFile = f
		}
		docs = append(docs, document(t, im, cfg.Images))
	}
	rep, err := judge(ctx, docs, findings, opts, now)
	if err != nil {
		return nil, err
	}
	rep.Summary.Resources = len(targets)
	rep.Summary.Files = len(files)
	// An incomplete scan does not pass, whatever the other images show.
	rep.Summary.Passed = rep.Summary.Passed && len(res.Failed) == 0
	res.Report = rep
	return res, nil
}

// Evaluate runs the image policies on the inventory an earlier scan wrote
// (meshproof scan --inventory), as Run does on the images it scans, so
// that a report can judge images without scanning them again. objs are the
// manifests the report reads: the containers' securityContext (runAsUser,
// runAsNonRoot), which an inventory does not keep, comes from them. An
// image the inventory records as unscanned is a SCAN-01 finding. Only
// Engine, Config, Waivers, Baseline, FailOn, Now and Tool of opts are used.
func Evaluate(ctx context.Context, inv *inventory.Report, objs []*scanner.Object, opts Options) (*rules.Report, error) {
	cfg, now, err := opts.settings()
	if err != nil {
		return nil, err
	}
	byRef := map[string][]image.Use{}
	for _, r := range image.References(objs) {
		byRef[r.Image] = r.Uses
	}
	var docs []*scanner.Object
	var findings []rules.Finding
	failed := 0
	for i := range inv.Images {
		im := &inv.Images[i]
		t := target{reference: im.Reference, uses: byRef[im.Reference]}
		ref := im.Reference
		if image.Kind(im.Source) == image.Registry && !strings.HasPrefix(ref, string(image.Registry)+":") {
			ref = string(image.Registry) + ":" + ref
		}
		t.src, t.srcErr = image.ParseSource(ref)
		switch {
		case im.Error != "":
			failed++
			findings = append(findings, errorFinding(t, errors.New(im.Error)))
		case t.srcErr != nil:
			return nil, fmt.Errorf("inventory image %q: %w", im.Reference, t.srcErr)
		default:
			docs = append(docs, document(t, im, cfg.Images))
		}
	}
	rep, err := judge(ctx, docs, findings, opts, now)
	if err != nil {
		return nil, err
	}
	rep.Summary.Resources = len(inv.Images)
	rep.Summary.Passed = rep.Summary.Passed && failed == 0
	return rep, nil
}

// judge evaluates the image rules on the image documents and makes the
// report of their findings and errs (the SCAN-01 findings of images that
// could not be scanned), with waivers and the baseline applied.
func judge(ctx context.Context, docs []*scanner.Object, errs []rules.Finding, opts Options, now time.Time) (*rules.Report, error) {
	fs, err := opts.Engine.Evaluate(ctx, docs, nil)
	if err != nil {
		return nil, err
	}
	findings := append(errs, fs...)
	rules.SortFindings(findings)
	waivers := rules.ApplyWaivers(findings, opts.Waivers, now)
	opts.Baseline.Apply(findings)
	failOn := cmp.Or(opts.FailOn, rules.DefaultFailOn)
	sum := rules.Summarize(findings, failOn)
	var applied []rules.Rule
	for _, r := range opts.Engine.Rules() {
		if !r.Disabled && slices.Contains(r.Kinds, Kind) {
			applied = append(applied, r)
		}
	}
	applied = append(applied, ErrorRule)
	sum.Rules = len(applied)
	if findings == nil {
		findings = []rules.Finding{}
	}
	return &rules.Report{Findings: findings, Summary: sum, Waivers: waivers, Rules: applied, Tool: opts.Tool}, nil
}

type scanned struct {
	sbom *sbom.Result
	err  error
}

// scanAll builds the SBOMs with at most opts.Jobs at once, in target order.
func scanAll(ctx context.Context, targets []target, opts Options) []scanned {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = min(4, runtime.GOMAXPROCS(0))
	}
	out := make([]scanned, len(targets))
	var mu sync.Mutex
	done := 0
	parallel.For(ctx, len(targets), jobs, func(i int) {
		t := targets[i]
		if t.srcErr != nil {
			out[i].err = t.srcErr
		} else {
			out[i].sbom, out[i].err = sbom.Generate(ctx, t.src, opts.SBOM)
		}
		if opts.Progress != nil {
			mu.Lock()
			done++
			opts.Progress(done, len(targets), t.reference)
			mu.Unlock()
		}
	})
	return out
}

func uses(us []image.Use) []inventory.Use {
	out := make([]inventory.Use, 0, len(us))
	for _, u := range us {
		out = append(out, inventory.Use{Resource: u.Resource(), Container: u.Container, File: u.File, Line: u.Line})
	}
	return out
}

// fill copies an SBOM's facts into the inventory and matches its packages.
func fill(im *inventory.Image, r *sbom.Result, feed *vuln.Feed) {
	im.Digest, im.IndexDigest, im.ImageID, im.Platform = r.Digest, r.IndexDigest, r.ID, r.Platform
	im.User, im.Cached = r.User, r.Cached
	if id, v := r.SBOM.Distro(); id != "" {
		im.Distro = strings.TrimSpace(id + " " + v)
	}
	pkgs := r.SBOM.Packages()
	var vp []vuln.Package
	for _, p := range pkgs {
		im.Packages = append(im.Packages, inventory.Component{Name: p.Name, Version: p.Version, Type: p.Type, PURL: p.PURL, Licenses: p.Licenses})
		vp = append(vp, vuln.Package{Name: p.Name, Version: p.Version, PURL: p.PURL})
	}
	im.Components = len(pkgs)
	if feed != nil {
		im.Vulnerabilities = feed.Match(vp)
	}
}

// resource names the image in findings: the repository of a registry
// reference (so that waivers and baselines survive new tags and digests),
// or the source of a file.
func resource(t target) rules.Resource {
	n := t.src.String()
	if t.src.Kind == image.Registry {
		if ref, err := name.ParseReference(t.src.Ref); err == nil {
			n = ref.Context().Name()
		}
	} else if t.src.Kind == image.OCILayout {
		n = string(t.src.Kind) + ":" + t.src.Path
	}
	if t.src.Kind == "" {
		n = t.reference
	}
	return rules.Resource{APIVersion: APIVersion, Kind: Kind, Name: n}
}

// position is where a finding about the image points: its first use in
// the manifests, or the source itself.
func position(t target) (string, int) {
	if len(t.uses) > 0 {
		return t.uses[0].File, t.uses[0].Line
	}
	return t.src.String(), 0
}

func errorFinding(t target, err error) rules.Finding {
	r := resource(t)
	file, line := position(t)
	return rules.Finding{
		RuleID: ErrorRule.ID, Severity: ErrorRule.Severity, Title: ErrorRule.Title,
		Message:  fmt.Sprintf("image %s could not be scanned", t.reference),
		Resource: r, File: file, Line: line, PCI: ErrorRule.PCI, Refs: []string{},
		Remediation: ErrorRule.Remediation, Fingerprint: rules.Fingerprint(ErrorRule.ID, r, t.reference),
		Source: "scan", NotAssessed: err.Error(), Key: t.reference,
	}
}

// document is the image document the image rules see (see docs/scan.md).
func document(t target, im *inventory.Image, pol rules.ImageSettings) *scanner.Object {
	spec := map[string]any{
		"reference":  t.reference,
		"source":     string(t.src.Kind),
		"digest":     im.Digest,
		"platform":   im.Platform,
		"user":       im.User,
		"components": int64(im.Components),
		"pinned":     false,
		"registry":   "",
		"repository": "",
		"tag":        "",
	}
	if t.src.Kind == image.Registry {
		spec["pinned"] = strings.Contains(t.src.Ref, "@sha256:")
		if ref, err := name.ParseReference(t.src.Ref); err == nil {
			spec["registry"] = ref.Context().RegistryStr()
			spec["repository"] = ref.Context().RepositoryStr()
			if tag, ok := ref.(name.Tag); ok {
				spec["tag"] = tag.TagStr()
			}
		}
	}
	var us []any
	for _, u := range t.uses {
		m := map[string]any{"resource": u.Resource(), "container": u.Container, "file": u.File, "line": int64(u.Line), "runAsNonRoot": u.RunAsNonRoot}
		if u.RunAsUser != nil {
			m["runAsUser"] = *u.RunAsUser
		}
		us = append(us, m)
	}
	spec["uses"] = orEmpty(us)
	var pkgs []any
	for _, p := range im.Packages {
		pkgs = append(pkgs, map[string]any{"name": p.Name, "version": p.Version, "type": p.Type, "purl": p.PURL, "licenses": strings2(p.Licenses)})
	}
	spec["packages"] = orEmpty(pkgs)
	var vs []any
	for _, v := range im.Vulnerabilities {
		vs = append(vs, map[string]any{"id": v.ID, "aliases": strings2(v.Aliases), "package": v.Package, "purl": v.PURL,
			"installed": v.Installed, "fixed": v.Fixed, "severity": v.Severity, "cvss": v.CVSS, "ecosystem": v.Ecosystem})
	}
	spec["vulnerabilities"] = orEmpty(vs)
	spec["policy"] = map[string]any{
		"allowedRegistries": strings2(normalizeRegistries(pol.AllowedRegistries)),
		"deniedPackages":    strings2(pol.DeniedPackages),
		"deniedLicenses":    strings2(pol.DeniedLicenses),
	}
	r := resource(t)
	file, line := position(t)
	return &scanner.Object{
		APIVersion: APIVersion, Kind: Kind, Name: r.Name, File: file, Line: line,
		Body: map[string]any{"apiVersion": APIVersion, "kind": Kind, "metadata": map[string]any{"name": r.Name}, "spec": spec},
	}
}

// normalizeRegistries writes allow-list entries as go-containerregistry
// names registries (docker.io is index.docker.io).
func normalizeRegistries(rs []string) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		host, path, _ := strings.Cut(r, "/")
		if reg, err := name.NewRegistry(host); err == nil {
			host = reg.RegistryStr()
		}
		if path != "" {
			host += "/" + path
		}
		out = append(out, host)
	}
	return out
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

func strings2(ss []string) []any {
	out := make([]any, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// extensions of SBOM files by format.
var extensions = map[string]string{sbom.CycloneDXJSON: ".cdx.json", sbom.SPDXJSON: ".spdx.json", sbom.SyftJSON: ".syft.json", sbom.Table: ".txt"}

func writeSBOM(dir, format string, t target, r *sbom.Result) (string, error) {
	format = cmp.Or(format, sbom.CycloneDXJSON)
	ext, ok := extensions[format]
	if !ok {
		return "", fmt.Errorf("SBOM format %q (want one of %s)", format, strings.Join(sbom.Formats(), ", "))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("write SBOM: %w", err)
	}
	base := strings.Trim(unsafeChars.ReplaceAllString(t.reference, "_"), "_")
	if len(base) > 100 {
		base = base[:100]
	}
	if d := cmp.Or(r.Digest, r.ID); d != "" {
		base += "-" + strings.TrimPrefix(d, "sha256:")[:12]
	}
	p := filepath.Join(dir, base+ext)
	f, err := os.Create(p)
	if err != nil {
		return "", fmt.Errorf("write SBOM: %w", err)
	}
	err = r.SBOM.Encode(f, format)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("write SBOM %s: %w", p, err)
	}
	return p, nil
}
