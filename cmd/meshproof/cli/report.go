package cli

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/internal/atomicfile"
	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
	"github.com/meshproof/meshproof/reports/audit"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/scanner"
)

type reportFlags struct {
	out     string
	config  string
	waivers string
	key     string
	scan    reportScanFlags
}

func newReport(e *env) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "report --out DIR [flags] PATH...",
		Short: "Write the PCI DSS audit report: index.html, report.pdf, report.json",
		Long: `Report checks the manifests at PATH (as meshproof check does) and writes the
PCI DSS v4.0.1 audit report into DIR: index.html (one self-contained page that
opens from a file with no network and prints well), report.pdf, and report.json
(schema: docs/schemas/audit-report.json).

The report maps every finding and every passing check to PCI DSS requirements
(pass, fail, not assessed, not applicable), derives the CDE scope from the
allowed-call graph, draws the segmentation graph, measures mTLS and
authorization coverage, lists waivers and the expired ones, and records the
SHA-256 of every input, the rule pack's digest, the tool version and the time.

With --vuln-db (or --scan, or --image), report scans every image the manifests
run as meshproof scan does (the same flags: --platform, --cache-dir,
--insecure-registry, --jobs, --image): the software inventory (6.3.2) lists each
image's digest and component counts and links its CycloneDX SBOM, written into
DIR/sbom/; the vulnerabilities (6.3.3) list advisory, package, installed and
fixed versions and severity with the feed's date; the image policies (IMG-*)
and the vulnerabilities count in the requirements. --inventory FILE reads an
earlier meshproof scan --inventory instead (and copies the SBOM files it
names; repeat it with the inventory of every shard of a sharded scan), and
the image policies judge its images with the manifests given here. Without
either, inventory and vulnerabilities say "not assessed: no image scan was
run".

With --key, report.json is signed as meshproof sign signs any file: a Sigstore
bundle, report.json.sigstore.json, beside it, which meshproof verify (and
cosign verify-blob-attestation) checks.

Exit codes: 0 the report was written (whatever it found); 2 it could not be
(unreadable input, bad flags or config, an unreadable feed or inventory), and
nothing is written; 2 as well when the report is incomplete (an image could not
be scanned, or the inventory lacks an image the manifests run): the report is
then written, marked incomplete on its first page and in report.json
("complete": false, "incomplete": [...]), with the requirements the missing
images bear on not assessed, so that an assessor sees what is missing.`,
		Example: `  meshproof report --out report/ ./k8s
  meshproof report --out report/ --vuln-db ./osv ./k8s
  meshproof scan --sbom-dir sboms --inventory inventory.json ./k8s && meshproof report --out report/ --inventory inventory.json ./k8s
  meshproof report --out report/ --key signing.key ./k8s
  meshproof verify --key signing.pub report/report.json
  meshproof report merge --out report/ shard-*.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runReport(cmd.Context(), e, &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "folder to write index.html, report.pdf and report.json into (required)")
	fl.StringVar(&f.config, "config", "", "configuration file (default: .meshproof.yaml found by walking up from the working directory)")
	fl.StringVar(&f.waivers, "waivers", "", "waivers file (default from config)")
	fl.StringVar(&f.key, "key", "", "private key that signs report.json (writes report.json.sigstore.json)")
	f.scan.add(fl)
	cmd.MarkFlagRequired("out")
	cmd.AddCommand(newReportMerge(e))
	return cmd
}

// reportSetup reads the configuration, the waivers and builds the engine.
func reportSetup(ctx context.Context, configPath, waiversPath string) (*rules.Config, *engine.Engine, []rules.Waiver, string, error) {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return nil, nil, nil, "", err
	}
	severities, err := cfg.Rules.Severities()
	if err != nil {
		return nil, nil, nil, "", err
	}
	eng, err := engine.New(ctx, engine.Options{
		PolicyPaths: cfg.Policies,
		Namespaces:  cfg.Namespaces,
		DataPaths:   cfg.Data,
		Disable:     cfg.Rules.Disable,
		Severity:    severities,
	})
	if err != nil {
		return nil, nil, nil, "", err
	}
	var waivers []rules.Waiver
	if wf := firstNonEmpty(waiversPath, cfg.Waivers); wf != "" {
		if waivers, err = rules.LoadWaivers(wf); err != nil {
			return nil, nil, nil, "", err
		}
	}
	digest, err := check.PackDigest(false, cfg.Policies, cfg.Data, cfg.Rules)
	if err != nil {
		return nil, nil, nil, "", err
	}
	return cfg, eng, waivers, digest, nil
}

func runReport(ctx context.Context, e *env, f *reportFlags, paths []string) error {
	if slices.Contains(paths, "-") {
		return errors.New("report: standard input is not supported: the report records the SHA-256 of every input file")
	}
	if err := f.scan.validate(); err != nil {
		return err
	}
	cfg, eng, waivers, digest, err := reportSetup(ctx, f.config, f.waivers)
	if err != nil {
		return err
	}
	now := time.Now()
	res, err := check.Analyze(ctx, check.Options{Paths: paths, Config: cfg, Engine: eng, Waivers: waivers, Now: now})
	if err != nil {
		return err
	}
	inputs, err := check.HashInputs(paths, nil)
	if err != nil {
		return err
	}
	sc, err := reportScan(ctx, e, &f.scan, paths, res.Objects, cfg, eng, waivers, now)
	if err != nil {
		return err
	}
	in := audit.Input{Check: res.Report, Model: res.Model, Objects: res.Objects, Inputs: inputs, RulePack: digest, Tool: Version(), Now: now}
	return buildAndWrite(ctx, e, f.out, f.key, in, sc)
}

// buildAndWrite adds the image scan (nil when none was asked for) to in,
// builds the report and writes it to out; an incomplete report is the
// error it returns.
func buildAndWrite(ctx context.Context, e *env, out, keyPath string, in audit.Input, sc *scanned) error {
	var sboms map[string][]byte
	if sc != nil {
		in.Scan, sboms = sc.scan, sc.sboms
	}
	rep := audit.Build(in)
	if err := writeReport(ctx, e, out, keyPath, rep, sboms); err != nil {
		return err
	}
	return incompleteError(e, rep)
}

// writeReport renders every format in memory first, so that an error
// leaves nothing half-written; the SBOMs go first, so that the report's
// links resolve once it is there.
func writeReport(ctx context.Context, e *env, out, keyPath string, rep *audit.Report, sboms map[string][]byte) error {
	var js, page, pdf bytes.Buffer
	if err := audit.WriteJSON(&js, rep); err != nil {
		return err
	}
	files := map[string][]byte{}
	if keyPath != "" {
		key, err := loadSigningKey(e, keyPath)
		if err != nil {
			return err
		}
		b, err := signing.SignFile(js.Bytes(), "report.json", key)
		if err != nil {
			return fmt.Errorf("sign report.json: %w", err)
		}
		files["report.json"+signed.BundleSuffix] = b
	}
	if err := audit.WriteHTML(ctx, &page, rep); err != nil {
		return err
	}
	if err := audit.WritePDF(ctx, &pdf, rep); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := writeSBOMs(out, sboms); err != nil {
		return err
	}
	files["report.json"], files["index.html"], files["report.pdf"] = js.Bytes(), page.Bytes(), pdf.Bytes()
	names := slices.Sorted(maps.Keys(files))
	// report.json last but one and its signature last: a reader never sees a
	// signature over a report.json that is not there yet.
	slices.SortStableFunc(names, func(a, b string) int { return cmp.Compare(writeOrder(a), writeOrder(b)) })
	for _, name := range names {
		if err := atomicfile.Write(filepath.Join(out, name), files[name], 0o644); err != nil {
			return err
		}
	}
	if keyPath == "" {
		// A signature left from an earlier run would not match this report.
		if err := os.Remove(filepath.Join(out, "report.json"+signed.BundleSuffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	s := rep.Summary.Requirements
	fmt.Fprintf(e.stdout, "%s: %d requirement(s) pass, %d fail, %d not assessed, %d not applicable; scope %d CDE, %d connected-to workload(s)\n",
		strings.ToUpper(rep.Status), s[audit.StatusPass], s[audit.StatusFail], s[audit.StatusNotAssessed], s[audit.StatusNotApplicable],
		len(rep.Scope.CDE), len(rep.Scope.Connected))
	if rep.Inventory.Status != audit.StatusNotAssessed {
		failed := 0
		for _, im := range rep.Inventory.Images {
			if im.Status != audit.ImageScanned {
				failed++
			}
		}
		feed := "no vulnerability feed"
		if d := rep.Vulnerabilities.FeedDate; d != "" {
			feed = "feed of " + d
		}
		fmt.Fprintf(e.stdout, "images: %d, %d not scanned, %d SBOM(s) in %s; %d known vulnerability(ies), %s\n", len(rep.Inventory.Images), failed, len(sboms),
			filepath.Join(out, sbomFolder), len(rep.Vulnerabilities.Items), feed)
	}
	fmt.Fprintf(e.stdout, "wrote %s\n", strings.Join([]string{filepath.Join(out, "index.html"), filepath.Join(out, "report.pdf"), filepath.Join(out, "report.json")}, ", "))
	return nil
}

func writeOrder(name string) int {
	switch {
	case strings.HasSuffix(name, signed.BundleSuffix):
		return 2
	case name == "report.json":
		return 1
	}
	return 0
}

func newReportMerge(e *env) *cobra.Command {
	var f reportFlags
	cmd := &cobra.Command{
		Use:   "merge --out DIR [flags] SHARD.json...",
		Short: "Join the JSON results of meshproof check --shard i/n into one audit report",
		Long: `Merge reads the JSON results of a sharded check (meshproof check --shard i/n -o
json, one per CI job) and writes one audit report into DIR, as meshproof report
does. It refuses shards that do not fit together: different shard counts, a
shard missing or given twice, different rule packs (built-in pack, policies,
data and rule settings), different input files, or an input owned by two
shards. It reads the input files again to build the mesh model, and refuses
them when their SHA-256 differs from what the shards checked. The report is
of the shards' time (the latest shard's): waivers and the model are judged
then, not at the merge. The image scan flags work as for meshproof report
(--vuln-db, --inventory ...): the images of the merged inputs are scanned once,
in the merge job.

Exit codes: 0 the report was written; 2 the shards do not fit, or a file
could not be read (nothing is written), or the report is incomplete (written,
and marked so).`,
		Example: `  meshproof check --shard 1/2 -o json ./k8s > shard-1.json   # CI job 1
  meshproof check --shard 2/2 -o json ./k8s > shard-2.json   # CI job 2
  meshproof report merge --out report/ shard-*.json
  meshproof report merge --out report/ --vuln-db ./osv shard-*.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMerge(cmd.Context(), e, &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.out, "out", "", "folder to write index.html, report.pdf and report.json into (required)")
	fl.StringVar(&f.config, "config", "", "configuration file (default: .meshproof.yaml found by walking up from the working directory)")
	fl.StringVar(&f.key, "key", "", "private key that signs report.json (writes report.json.sigstore.json)")
	f.scan.add(fl)
	cmd.MarkFlagRequired("out")
	return cmd
}

func runMerge(ctx context.Context, e *env, f *reportFlags, files []string) error {
	if err := f.scan.validate(); err != nil {
		return err
	}
	var shards []*rules.Report
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var r rules.Report
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%s: not a check result: %w", p, err)
		}
		if r.Shard == nil {
			return fmt.Errorf("%s: not a sharded check result (run meshproof check --shard i/n -o json)", p)
		}
		shards = append(shards, &r)
	}
	merged, err := audit.MergeShards(shards)
	if err != nil {
		return err
	}
	cfg, eng, waivers, digest, err := reportSetup(ctx, f.config, "")
	if err != nil {
		return err
	}
	if digest != merged.RulePack {
		return fmt.Errorf("merge: the shards ran rule pack %s, this configuration gives %s", merged.RulePack, digest)
	}
	var paths []string
	for _, in := range merged.Inputs {
		paths = append(paths, in.Path)
	}
	if err := inputsUnchanged(merged.Inputs); err != nil {
		return err
	}
	// The report is of the shards' time: the latest shard's (shards of an
	// older meshproof record none: then now).
	now := audit.ShardsTime(shards)
	if now.IsZero() {
		now = time.Now()
	}
	objs, err := scanner.Load(ctx, paths, scanner.LoadOptions{})
	if err != nil {
		return err
	}
	model := mesh.Build(objs, mesh.Options{TrustDomain: cfg.TrustDomain, RootNamespace: cfg.RootNamespace, DefaultNamespace: cfg.DefaultNamespace, Scope: cfg.Scope, Now: now})
	merged.Rules = check.Rules(eng)
	var names []string
	for _, s := range shards {
		names = append(names, fmt.Sprintf("%d/%d", s.Shard.Index, s.Shard.Count))
	}
	slices.Sort(names)
	sc, err := reportScan(ctx, e, &f.scan, paths, objs, cfg, eng, waivers, now)
	if err != nil {
		return err
	}
	in := audit.Input{Check: merged, Model: model, Objects: objs, Inputs: merged.Inputs, RulePack: merged.RulePack, Tool: Version(), Now: now, Shards: names}
	return buildAndWrite(ctx, e, f.out, f.key, in, sc)
}

// inputsUnchanged checks that every input still has the digest the shards
// checked.
func inputsUnchanged(inputs []rules.InputFile) error {
	var paths []string
	for _, in := range inputs {
		if in.Path == scanner.StdinName {
			return errors.New("merge: a shard read standard input, which cannot be read again")
		}
		paths = append(paths, in.Path)
	}
	now, err := check.HashInputs(paths, nil)
	if err != nil {
		return err
	}
	for i, in := range inputs {
		if now[i].SHA256 != in.SHA256 {
			return fmt.Errorf("merge: %s changed since the shards checked it (sha256 %s, now %s)", in.Path, in.SHA256, now[i].SHA256)
		}
	}
	return nil
}
