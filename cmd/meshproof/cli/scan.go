package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/reports"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/rules/scan"
	"github.com/meshproof/meshproof/scanner"
	"github.com/meshproof/meshproof/scanner/inventory"
	"github.com/meshproof/meshproof/scanner/sbom"
	"github.com/meshproof/meshproof/scanner/vuln"
)

// inventoryFormat is the scan output that writes the inventory JSON.
const inventoryFormat = "inventory-json"

type scanFlags struct {
	imageFlags
	images     []string
	vulnDB     string
	output     string
	inventory  string
	sbomDir    string
	sbomFormat string
	failOn     string
	noFail     bool
	config     string
	waivers    string
	baseline   string
	jobs       int
	maxFeedAge int
	noColor    bool
	shard      string
}

func newScan(e *env) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [flags] [PATH...]",
		Short: "Scan the images the manifests run: SBOMs, image policies, vulnerabilities",
		Long: `Scan finds every image of every pod template in the manifests (containers,
initContainers and ephemeralContainers of every workload kind), and any image named
with --image, resolves tags to digests, builds an SBOM of each (syft, at most
--jobs at once, from the cache when the digest is unchanged), applies the image
policies of the rule pack (IMG-*: unpinned tags, registries outside
images.allowedRegistries, images running as root, denied packages and licences,
empty SBOMs) and matches the SBOMs against an offline vulnerability feed: a folder
of OSV advisories (--vuln-db; the *.json files or all.zip archives osv.dev
publishes per ecosystem). Nothing is downloaded but the images themselves; the
feed's age is reported.

Findings have check's shape and go through the same waivers, baseline and output
formats; -o inventory-json writes the per-image inventory (digest, platform,
components, vulnerabilities) instead, and --inventory FILE writes it as well.

Exit codes: 0 nothing at or above --fail-on; 1 blocking findings; 2 the scan is
incomplete: an image could not be scanned (missing, unreachable registry, corrupt
tarball, a layout without the digest), or bad flags, config or feed. The other
images are still scanned and reported. --no-fail turns 1 into 0, never 2.`,
		Example: `  meshproof scan ./k8s --vuln-db ./osv
  meshproof scan --image oci-layout:./build/oci --vuln-db ./osv -o sarif > scan.sarif
  meshproof scan ./k8s --sbom-dir ./sboms --inventory inventory.json
  meshproof scan ./k8s --platform linux/arm64 --jobs 8`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd, e, &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.images, "image", nil, "also scan this image source (registry reference, oci-layout:, docker-archive:, dir:); repeatable")
	fl.StringVar(&f.vulnDB, "vuln-db", "", "folder of OSV advisories (JSON files or osv.dev all.zip archives); no vulnerability matching without it")
	fl.StringVarP(&f.output, "output", "o", "text", "output format: "+strings.Join(append(reports.Names(), inventoryFormat), ", "))
	fl.StringVar(&f.inventory, "inventory", "", "also write the inventory JSON (per-image SBOM summary and vulnerabilities) to this file")
	fl.StringVar(&f.sbomDir, "sbom-dir", "", "write each image's SBOM into this folder")
	fl.StringVar(&f.sbomFormat, "sbom-format", sbom.CycloneDXJSON, "format of the files in --sbom-dir: "+strings.Join(sbom.Formats(), ", "))
	fl.StringVar(&f.failOn, "fail-on", "", "lowest severity that fails the scan: info, low, medium, high, critical (default from config, else low)")
	fl.BoolVar(&f.noFail, "no-fail", false, "exit 0 even when there are blocking findings (errors still exit 2)")
	fl.StringVar(&f.config, "config", "", "configuration file (default: .meshproof.yaml found by walking up from the working directory)")
	fl.StringVar(&f.waivers, "waivers", "", "waivers file (default from config)")
	fl.StringVar(&f.baseline, "baseline", "", "JSON report of an earlier scan: findings already in it do not block")
	fl.IntVar(&f.jobs, "jobs", 0, "images scanned at once (default min(4, cores))")
	fl.IntVar(&f.maxFeedAge, "max-feed-age", 7, "warn when the newest advisory of the feed is older than this many days")
	fl.BoolVar(&f.noColor, "no-color", false, "no colours in text output (also when NO_COLOR is set)")
	fl.StringVar(&f.shard, "shard", "", "scan only shard i of n (i/n) of the images, split by a hash of each reference, stable across runs")
	f.add(fl)
	return cmd
}

func runScan(cmd *cobra.Command, e *env, f *scanFlags, paths []string) error {
	ctx := cmd.Context()
	if len(paths) == 0 && len(f.images) == 0 {
		return fmt.Errorf("name manifests (PATH...) or images (--image) to scan (see meshproof scan --help)")
	}
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	failOn, err := rules.ParseSeverity(firstNonEmpty(f.failOn, cfg.FailOn))
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	var formatter reports.Formatter
	if f.output != inventoryFormat {
		color := !f.noColor && e.stdoutTTY && e.getenv("NO_COLOR") == ""
		if formatter, err = reports.ForName(f.output, reports.Options{Color: color}); err != nil {
			return fmt.Errorf("--output: %w", err)
		}
	}
	var shard check.Shard
	if f.shard != "" {
		if shard, err = check.ParseShard(f.shard); err != nil {
			return fmt.Errorf("--shard: %w", err)
		}
	}
	if !contains(sbom.Formats(), f.sbomFormat) {
		return fmt.Errorf("--sbom-format: unknown format %q (want one of %s)", f.sbomFormat, strings.Join(sbom.Formats(), ", "))
	}
	severities, err := cfg.Rules.Severities()
	if err != nil {
		return err
	}
	eng, err := engine.New(ctx, engine.Options{Disable: cfg.Rules.Disable, Severity: severities})
	if err != nil {
		return err
	}
	var feed *vuln.Feed
	if f.vulnDB != "" {
		if feed, err = vuln.LoadFeed(f.vulnDB); err != nil {
			return err
		}
	}
	baseline, waivers, err := loadBaselineAndWaivers(f.baseline, firstNonEmpty(f.waivers, cfg.Waivers))
	if err != nil {
		return err
	}
	sopts, err := f.options(e)
	if err != nil {
		return err
	}
	opts := scan.Options{
		Paths: paths, Stdin: e.stdin, Images: f.images, Config: cfg, Engine: eng, SBOM: sopts, Feed: feed,
		Jobs: f.jobs, SBOMDir: f.sbomDir, SBOMFormat: f.sbomFormat, FailOn: failOn, Waivers: waivers,
		Baseline: baseline, Tool: Version(), Load: scanner.LoadOptions{}, Shard: shard,
	}
	if e.progress() {
		opts.Progress = progressBar(e.stderr)
	}
	res, err := scan.Run(ctx, opts)
	if err != nil {
		return err
	}
	if feed != nil {
		fi := res.Inventory.Feed
		e.log.Debug("vulnerability feed", "path", fi.Path, "advisories", fi.Advisories, "date", fi.Date, "age_days", fi.AgeDays)
		if fi.AgeDays > f.maxFeedAge {
			e.log.Warn(fmt.Sprintf("the vulnerability feed %s is %d days old (newest advisory %s); update it", fi.Path, fi.AgeDays, fi.Date.Format(time.DateOnly)))
		}
	} else {
		e.log.Warn("no --vuln-db: images were not checked for known vulnerabilities")
	}
	if f.inventory != "" {
		if err := writeInventoryFile(f.inventory, res.Inventory); err != nil {
			return err
		}
	}
	switch {
	case formatter == nil:
		err = writeInventory(e.stdout, res.Inventory)
	case f.output == "text":
		bw := bufio.NewWriter(e.stdout)
		imagesTable(bw, res.Inventory)
		bw.Flush()
		err = formatter.Format(e.stdout, res.Report)
	default:
		err = formatter.Format(e.stdout, res.Report)
	}
	if err == nil && f.output == "text" && len(res.Failed) > 0 {
		_, err = fmt.Fprintf(e.stdout, "INCOMPLETE: %d of %d images could not be scanned (see the SCAN-01 findings)\n", len(res.Failed), len(res.Inventory.Images))
	}
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if len(res.Failed) > 0 {
		for _, fe := range res.Failed {
			fmt.Fprintf(e.stderr, "error: %s\n", fe.Err)
		}
		fmt.Fprintf(e.stderr, "error: %d of %d images could not be scanned: the scan is incomplete\n", len(res.Failed), len(res.Inventory.Images))
		return &exitError{code: ExitError}
	}
	if !res.Report.Summary.Passed && !f.noFail {
		return &exitError{code: ExitFindings}
	}
	return nil
}

func writeInventory(w io.Writer, inv *inventory.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(inv)
}

func writeInventoryFile(path string, inv *inventory.Report) error {
	fh, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--inventory: %w", err)
	}
	err = writeInventory(fh, inv)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("--inventory: %w", err)
	}
	return nil
}

// imagesTable writes one line per image for people, before the findings.
func imagesTable(w io.Writer, inv *inventory.Report) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tDIGEST\tPLATFORM\tCOMPONENTS\tVULNERABILITIES\tSTATUS")
	for _, im := range inv.Images {
		status := "scanned"
		if im.Cached {
			status = "cached"
		}
		if im.Error != "" {
			status = "FAILED"
		}
		d := im.Digest
		if d == "" {
			d = im.ImageID
		}
		if len(d) > 19 {
			d = d[:19]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\n", im.Reference, d, im.Platform, im.Components, len(im.Vulnerabilities), status)
	}
	tw.Flush()
	if fd := inv.Feed; fd != nil {
		fmt.Fprintf(w, "vulnerability feed %s: %d advisories (%s), newest %s, %d days old\n", fd.Path, fd.Advisories, strings.Join(fd.Ecosystems, ", "), fd.Date.Format(time.DateOnly), fd.AgeDays)
	} else {
		fmt.Fprintln(w, "no vulnerability feed (--vuln-db): vulnerabilities not checked")
	}
	fmt.Fprintln(w)
}

// progressBar draws "scanning images [=====     ] 3/10 ref" on a terminal.
func progressBar(w io.Writer) func(done, total int, ref string) {
	return func(done, total int, ref string) {
		const width = 24
		n := done * width / max(total, 1)
		if len(ref) > 40 {
			ref = "..." + ref[len(ref)-37:]
		}
		fmt.Fprintf(w, "\r\x1b[2Kscanning images [%s%s] %d/%d %s", strings.Repeat("=", n), strings.Repeat(" ", width-n), done, total, ref)
		if done == total {
			fmt.Fprint(w, "\r\x1b[2K")
		}
	}
}
