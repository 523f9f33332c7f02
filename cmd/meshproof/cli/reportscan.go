package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/meshproof/meshproof/reports/audit"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/rules/scan"
	"github.com/meshproof/meshproof/scanner"
	"github.com/meshproof/meshproof/scanner/image"
	"github.com/meshproof/meshproof/scanner/inventory"
	"github.com/meshproof/meshproof/scanner/sbom"
	"github.com/meshproof/meshproof/scanner/vuln"
)

// The image scan of meshproof report and report merge: the images the
// manifests run, scanned as meshproof scan scans them (rules/scan), or an
// inventory that an earlier meshproof scan --inventory wrote.

// sbomFolder is the folder beside the report that holds the SBOMs.
const sbomFolder = "sbom"

type reportScanFlags struct {
	imageFlags
	scan      bool
	vulnDB    string
	images    []string
	jobs      int
	inventory []string
}

func (f *reportScanFlags) add(fl *pflag.FlagSet) {
	fl.BoolVar(&f.scan, "scan", false, "scan the images the manifests run (implied by --vuln-db and --image)")
	fl.StringVar(&f.vulnDB, "vuln-db", "", "folder of OSV advisories to match the images' SBOMs against (implies --scan)")
	fl.StringArrayVar(&f.images, "image", nil, "also scan this image source (registry reference, oci-layout:, docker-archive:, dir:); repeatable")
	fl.IntVar(&f.jobs, "jobs", 0, "images scanned at once (default min(4, cores))")
	fl.StringArrayVar(&f.inventory, "inventory", nil, "read the image scan from this inventory (meshproof scan --inventory FILE) instead of scanning; repeat it for the inventories of a sharded scan (scan --shard i/n)")
	f.imageFlags.add(fl)
}

func (f *reportScanFlags) wanted() bool {
	return f.scan || f.vulnDB != "" || len(f.images) > 0
}

func (f *reportScanFlags) validate() error {
	if len(f.inventory) > 0 && f.wanted() {
		return errors.New("--inventory reads an earlier scan: it does not go with --scan, --vuln-db or --image")
	}
	return nil
}

// scanned is an image scan ready for the report: the report's input and
// the SBOM files to write beside it, by name.
type scanned struct {
	scan  *audit.Scan
	sboms map[string][]byte
}

// reportScan runs the scan the flags ask for, or reads the inventory; nil
// when neither is asked for. It writes nothing outside a temporary folder.
func reportScan(ctx context.Context, e *env, f *reportScanFlags, paths []string, objs []*scanner.Object, cfg *rules.Config, eng *engine.Engine, waivers []rules.Waiver, now time.Time) (*scanned, error) {
	switch {
	case len(f.inventory) > 0:
		out, err := readInventories(f.inventory, objs)
		if err != nil {
			return nil, err
		}
		// The image policies judge the inventory's images as a scan would,
		// with the report's manifests, configuration and waivers.
		rep, err := scan.Evaluate(ctx, out.scan.Inventory, objs, scan.Options{
			Config: cfg, Engine: eng, Waivers: waivers, Now: now, Tool: Version(),
		})
		if err != nil {
			return nil, err
		}
		out.scan.Findings, out.scan.Rules, out.scan.Waivers = rep.Findings, rep.Rules, rep.Waivers
		return out, nil
	case !f.wanted():
		return nil, nil
	}
	var feed *vuln.Feed
	if f.vulnDB != "" {
		var err error
		if feed, err = vuln.LoadFeed(f.vulnDB); err != nil {
			return nil, err
		}
	} else {
		e.log.Warn("no --vuln-db: images were not checked for known vulnerabilities")
	}
	sopts, err := f.options(e)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "meshproof-report-sbom-")
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer os.RemoveAll(tmp)
	opts := scan.Options{
		Paths: paths, Images: f.images, Config: cfg, Engine: eng, SBOM: sopts, Feed: feed, Jobs: f.jobs,
		SBOMDir: tmp, SBOMFormat: sbom.CycloneDXJSON, Waivers: waivers, Now: now, Tool: Version(),
	}
	if e.progress() {
		opts.Progress = progressBar(e.stderr)
	}
	res, err := scan.Run(ctx, opts)
	if err != nil {
		return nil, err
	}
	out := &scanned{sboms: map[string][]byte{}, scan: &audit.Scan{
		Inventory: res.Inventory, Findings: res.Report.Findings, Rules: res.Report.Rules, Waivers: res.Report.Waivers,
	}}
	for i := range res.Inventory.Images {
		im := &res.Inventory.Images[i]
		var rel []string
		if im.SBOMFile != "" {
			data, err := os.ReadFile(im.SBOMFile)
			if err != nil {
				return nil, fmt.Errorf("report: %w", err)
			}
			name := filepath.Base(im.SBOMFile)
			out.sboms[name] = data
			rel = []string{sbomFolder + "/" + name}
			im.SBOMFile = rel[0]
		}
		out.scan.SBOMs = append(out.scan.SBOMs, rel)
	}
	return out, nil
}

// readInventory reads one inventory file strictly.
func readInventory(path string) (*inventory.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--inventory: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var inv inventory.Report
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("%s: not an inventory of meshproof scan --inventory: %w", path, err)
	}
	if inv.Images == nil {
		return nil, fmt.Errorf("%s: not an inventory of meshproof scan --inventory: no images", path)
	}
	for i, im := range inv.Images {
		if im.Reference == "" {
			return nil, fmt.Errorf("%s: image %d has no reference", path, i+1)
		}
	}
	return &inv, nil
}

// readInventories reads the inventories of a scan (one, or one per shard
// of a sharded scan, which must all be there, once, matched against the
// same feed) and the SBOM files they name (relative to the folder meshproof
// scan ran in, the working folder, or else to the inventory's folder), and
// lists the images the manifests run that they lack.
func readInventories(paths []string, objs []*scanner.Object) (*scanned, error) {
	var all inventory.Report
	var origin []string // the file of each image
	shards := map[string]string{}
	count := 0
	for i, path := range paths {
		inv, err := readInventory(path)
		if err != nil {
			return nil, err
		}
		if len(paths) > 1 {
			var idx, n int
			if _, err := fmt.Sscanf(inv.Shard, "%d/%d", &idx, &n); err != nil || idx < 1 || idx > n {
				return nil, fmt.Errorf("%s: not the inventory of a sharded scan (scan --shard i/n): several inventories must be the shards of one scan", path)
			}
			if count != 0 && n != count {
				return nil, fmt.Errorf("%s: shard %s of a split into %d, %s is of a split into %d", path, inv.Shard, n, paths[0], count)
			}
			count = n
			if prev, ok := shards[inv.Shard]; ok {
				return nil, fmt.Errorf("%s: shard %s is given twice (also %s)", path, inv.Shard, prev)
			}
			shards[inv.Shard] = path
		}
		if i == 0 {
			all.Tool, all.Feed = inv.Tool, inv.Feed
		} else if (all.Feed == nil) != (inv.Feed == nil) || (all.Feed != nil && (all.Feed.Path != inv.Feed.Path || !all.Feed.Date.Equal(inv.Feed.Date) || all.Feed.Advisories != inv.Feed.Advisories)) {
			return nil, fmt.Errorf("%s: matched against another vulnerability feed than %s", path, paths[0])
		}
		if inv.ScannedAt.After(all.ScannedAt) {
			all.ScannedAt = inv.ScannedAt
		}
		for _, im := range inv.Images {
			all.Images = append(all.Images, im)
			origin = append(origin, path)
		}
	}
	for i := 1; i <= count; i++ {
		if _, ok := shards[fmt.Sprintf("%d/%d", i, count)]; !ok {
			return nil, fmt.Errorf("--inventory: the inventory of shard %d/%d is missing", i, count)
		}
	}
	inv := &all
	out := &scanned{sboms: map[string][]byte{}, scan: &audit.Scan{Inventory: inv}}
	have := map[string]bool{}
	for i := range inv.Images {
		im := &inv.Images[i]
		path := origin[i]
		if have[im.Reference] {
			return nil, fmt.Errorf("%s: image %s is in two inventories", path, im.Reference)
		}
		have[im.Reference] = true
		var rel []string
		if im.SBOMFile != "" {
			p := im.SBOMFile
			if _, err := os.Stat(p); err != nil && !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), im.SBOMFile)
			}
			sb, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: the SBOM of %s: %w", path, im.Reference, err)
			}
			name := filepath.Base(p)
			if _, dup := out.sboms[name]; dup {
				return nil, fmt.Errorf("%s: two images name SBOM files called %s", path, name)
			}
			out.sboms[name] = sb
			rel = []string{sbomFolder + "/" + name}
		}
		out.scan.SBOMs = append(out.scan.SBOMs, rel)
	}
	for _, r := range image.References(objs) {
		if have[r.Image] {
			continue
		}
		im := inventory.Image{Reference: r.Image, Uses: []inventory.Use{}}
		for _, u := range r.Uses {
			im.Uses = append(im.Uses, inventory.Use{Resource: u.Resource(), Container: u.Container, File: u.File, Line: u.Line})
		}
		out.scan.Missing = append(out.scan.Missing, im)
	}
	return out, nil
}

// writeSBOMs replaces the SBOM folder beside the report: the new files,
// and none left from an earlier report.
func writeSBOMs(out string, files map[string][]byte) error {
	dir := filepath.Join(out, sbomFolder)
	if len(files) == 0 {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	for _, en := range entries {
		if _, ok := files[en.Name()]; !ok && strings.HasSuffix(en.Name(), ".json") {
			if err := os.Remove(filepath.Join(dir, en.Name())); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
		}
	}
	return nil
}

// incompleteError reports, after the report is written, what it could not
// assess; the exit code is 2.
func incompleteError(e *env, rep *audit.Report) error {
	if rep.Complete {
		return nil
	}
	for _, why := range rep.Incomplete {
		fmt.Fprintf(e.stderr, "error: %s\n", why)
	}
	fmt.Fprintf(e.stderr, "error: the report is incomplete (%d item(s) not assessed); it says so on its first page\n", len(rep.Incomplete))
	return &exitError{code: ExitError}
}
