package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/reports"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/scanner"
)

type checkFlags struct {
	output        string
	failOn        string
	config        string
	waivers       string
	baseline      string
	policies      []string
	namespaces    []string
	data          []string
	allNamespaces bool
	noFail        bool
	noBuiltin     bool
	noColor       bool
	maxDocBytes   int
	crds          []string
	shard         string
}

func newCheck(e *env) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [flags] PATH...",
		Short: "Check mesh manifests against the rule pack and your policies",
		Long: `Check reads Kubernetes, Istio and Linkerd manifests (YAML or JSON files,
folders searched recursively for .yaml, .yml and .json, or - for standard input),
validates mesh resources against their API schemas, builds the mesh model and
evaluates the built-in rule pack and your conftest-style policies.

Exit codes: 0 nothing at or above --fail-on; 1 blocking findings; 2 the check
could not be completed (unreadable input, bad flags or config, a policy that does
not compile). --no-fail turns 1 into 0, never 2.

Configuration is read from .meshproof.yaml, found by walking up from the working
directory, unless --config names a file. Flags win over the file.

--shard i/n splits the work across CI jobs: every shard reads all inputs (the
mesh model needs the whole mesh) but evaluates and reports only the files it
owns, chosen by a hash of each file's path, so the split is the same on every
run. Its JSON output also records the shard, every input file's SHA-256 and
the rule pack's digest; meshproof report merge joins the shards and checks that
they cover the same rule pack and no input twice.`,
		Example: `  meshproof check ./k8s ./istio
  helm template ./chart | meshproof check -
  meshproof check -o json ./k8s | jq '.summary'
  meshproof check --fail-on high --policy ./my-policies --namespace main ./k8s
  meshproof check --shard 2/4 -o json ./k8s > shard-2.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCheck(cmd, e, &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "text", "output format: "+strings.Join(reports.Names(), ", "))
	fl.StringVar(&f.failOn, "fail-on", "", "lowest severity that fails the check: info, low, medium, high, critical (default from config, else low)")
	fl.BoolVar(&f.noFail, "no-fail", false, "exit 0 even when there are blocking findings (errors still exit 2)")
	fl.StringVar(&f.config, "config", "", "configuration file (default: .meshproof.yaml found by walking up from the working directory)")
	fl.StringVar(&f.waivers, "waivers", "", "waivers file (default from config)")
	fl.StringVar(&f.baseline, "baseline", "", "JSON report of an earlier check: findings already in it do not block (fail only on new findings)")
	fl.StringArrayVarP(&f.policies, "policy", "p", nil, "folder or file of your own Rego policies (conftest conventions); repeatable")
	fl.StringArrayVar(&f.namespaces, "namespace", nil, "user policy package to evaluate (default main); repeatable")
	fl.BoolVar(&f.allNamespaces, "all-namespaces", false, "evaluate every package of your policies")
	fl.StringArrayVarP(&f.data, "data", "d", nil, "JSON or YAML file or folder merged into data for your policies; repeatable")
	fl.BoolVar(&f.noBuiltin, "no-builtin", false, "evaluate only your own policies and the schema checks, not the built-in rule pack")
	fl.BoolVar(&f.noColor, "no-color", false, "no colours in text output (also when NO_COLOR is set)")
	fl.StringArrayVar(&f.crds, "crds", nil, "file or folder of CustomResourceDefinitions whose schemas validate kinds without a built-in schema (Linkerd's); repeatable")
	fl.IntVar(&f.maxDocBytes, "max-doc-size", scanner.DefaultMaxDocumentBytes, "largest YAML document read, in bytes")
	fl.StringVar(&f.shard, "shard", "", "evaluate only part i/n of the input files (stable by path), for CI matrices; merge the -o json results with meshproof report merge")
	return cmd
}

// loadConfig reads --config, or .meshproof.yaml found from the working
// directory, or returns the defaults.
func loadConfig(path string) (*rules.Config, error) {
	if path == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		if path, err = rules.FindConfig(wd); err != nil {
			return nil, err
		}
		if path == "" {
			return rules.DefaultConfig(), nil
		}
	}
	return rules.LoadConfig(path)
}

func runCheck(cmd *cobra.Command, e *env, f *checkFlags, paths []string) error {
	ctx := cmd.Context()
	restoreGC := startupGC(e)
	defer restoreGC()
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	failOn, err := rules.ParseSeverity(firstNonEmpty(f.failOn, cfg.FailOn))
	if err != nil {
		return fmt.Errorf("--fail-on: %w", err)
	}
	color := !f.noColor && e.stdoutTTY && e.getenv("NO_COLOR") == ""
	formatter, err := reports.ForName(f.output, reports.Options{Color: color})
	if err != nil {
		return fmt.Errorf("--output: %w", err)
	}
	namespaces := f.namespaces
	if len(namespaces) == 0 {
		namespaces = cfg.Namespaces
	}
	severities, err := cfg.Rules.Severities()
	if err != nil {
		return err
	}
	eng, err := engine.New(ctx, engine.Options{
		PolicyPaths:   append(append([]string{}, cfg.Policies...), f.policies...),
		Namespaces:    namespaces,
		AllNamespaces: f.allNamespaces,
		DataPaths:     append(append([]string{}, cfg.Data...), f.data...),
		NoBuiltin:     f.noBuiltin,
		Disable:       cfg.Rules.Disable,
		Severity:      severities,
	})
	if !smallInput(paths) {
		restoreGC() // a large check collects as usual once the pack is compiled
	}
	if err != nil {
		if cfg.File != "" && (len(cfg.Rules.Disable) > 0 || len(severities) > 0) {
			return fmt.Errorf("%s: %w", cfg.File, err)
		}
		return err
	}
	baseline, waivers, err := loadBaselineAndWaivers(f.baseline, firstNonEmpty(f.waivers, cfg.Waivers))
	if err != nil {
		return err
	}
	var shard check.Shard
	stdin := e.stdin
	var stdinData []byte
	if f.shard != "" {
		if shard, err = check.ParseShard(f.shard); err != nil {
			return fmt.Errorf("--shard: %w", err)
		}
		if slices.Contains(paths, "-") {
			if stdinData, err = io.ReadAll(io.LimitReader(e.stdin, scanner.DefaultMaxFileBytes+1)); err != nil {
				return fmt.Errorf("read standard input: %w", err)
			}
			stdin = bytes.NewReader(stdinData)
		}
	}
	// A shard records when it ran, so that a merge judges waivers and
	// the model at the shards' time.
	now := time.Now().UTC().Truncate(time.Second)
	rep, err := check.Run(ctx, check.Options{
		Now:      now,
		Paths:    paths,
		Stdin:    stdin,
		Config:   cfg,
		Engine:   eng,
		FailOn:   failOn,
		Waivers:  waivers,
		Baseline: baseline,
		Load:     scanner.LoadOptions{MaxDocumentBytes: f.maxDocBytes},
		Shard:    shard,
		CRDs:     append(append([]string{}, cfg.CRDs...), f.crds...),
	})
	if err != nil {
		return err
	}
	rep.Tool = Version()
	if f.shard != "" {
		if err := shardInfo(rep, shard, paths, stdinData, cfg, f); err != nil {
			return err
		}
		rep.Shard.Time = now
	}
	if err := formatter.Format(e.stdout, rep); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if !rep.Summary.Passed && !f.noFail {
		return &exitError{code: ExitFindings}
	}
	return nil
}

// shardInfo records what merging shards needs: the shard and the files it
// owns, every input's digest, the rule pack's digest and the tool version.
func shardInfo(rep *rules.Report, shard check.Shard, paths []string, stdin []byte, cfg *rules.Config, f *checkFlags) error {
	inputs, err := check.HashInputs(paths, stdin)
	if err != nil {
		return err
	}
	digest, err := check.PackDigest(f.noBuiltin, append(append([]string{}, cfg.Policies...), f.policies...), append(append([]string{}, cfg.Data...), f.data...), cfg.Rules)
	if err != nil {
		return err
	}
	s := &rules.Shard{Index: shard.Index, Count: shard.Count, Files: []string{}}
	for _, in := range inputs {
		if shard.Owns(in.Path) {
			s.Files = append(s.Files, in.Path)
		}
	}
	rep.Shard, rep.Inputs, rep.RulePack, rep.ToolVersion = s, inputs, digest, rep.Tool
	return nil
}

// smallInputBytes is the most input a check treats as small (see
// startupGC): a few files, as a pre-commit hook passes.
const smallInputBytes = 4 << 20

// startupGC turns the garbage collector off while the rule pack compiles,
// unless GOGC or GOMEMLIMIT say otherwise, and returns what restores the
// previous settings. Compiling the pack allocates a lot that stays live,
// and collecting while it grows cost a one-file check (what a pre-commit
// hook runs) about a third of its time. A memory limit keeps a collection
// possible should the heap grow large anyway.
func startupGC(e *env) func() {
	if e.getenv("GOGC") != "" || e.getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	limit := debug.SetMemoryLimit(1 << 30)
	percent := debug.SetGCPercent(-1)
	var once sync.Once
	return func() {
		once.Do(func() {
			debug.SetGCPercent(percent)
			debug.SetMemoryLimit(limit)
		})
	}
}

// smallInput reports whether paths are regular files of at most
// smallInputBytes in all: a check that may run without collecting.
func smallInput(paths []string) bool {
	var n int64
	for _, p := range paths {
		fi, err := os.Stat(p)
		if p == "-" || err != nil || !fi.Mode().IsRegular() {
			return false
		}
		n += fi.Size()
	}
	return n <= smallInputBytes
}

// loadBaselineAndWaivers reads the --baseline file and the waivers file,
// either of which may be "" (none).
func loadBaselineAndWaivers(baselinePath, waiversPath string) (rules.Baseline, []rules.Waiver, error) {
	var baseline rules.Baseline
	var waivers []rules.Waiver
	var err error
	if baselinePath != "" {
		if baseline, err = rules.LoadBaseline(baselinePath); err != nil {
			return nil, nil, err
		}
	}
	if waiversPath != "" {
		if waivers, err = rules.LoadWaivers(waiversPath); err != nil {
			return nil, nil, err
		}
	}
	return baseline, waivers, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
