// Package check runs meshproof's check end to end: it loads manifests,
// validates mesh kinds against their API schemas, builds the mesh model,
// evaluates the rule pack and user policies, applies waivers and decides
// whether the result passes.
package check

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/engine"
	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/scanner"
	"github.com/meshproof/meshproof/scanner/schema"
)

// SchemaRule is the rule behind schema findings: a mesh resource with an
// unknown field or a bad value is not what its author thinks it is (the API
// server rejects it, or an older control plane silently drops the field).
var SchemaRule = rules.Rule{
	ID:       "SCHEMA-01",
	Title:    "Mesh resource does not match its API schema",
	Severity: rules.High,
	PCI:      []string{"1.2.1", "2.2.1"},
	Rationale: "An unknown field (a typo such as mdoe) or an invalid enum value (mode: STRICTT) means the " +
		"control you meant to configure is not in force: the API server refuses the object, or a " +
		"tool that skips validation applies it without the setting. Either way the mesh does not " +
		"enforce what the file says.",
	Remediation: "Fix the field name or value to match the API reference of the kind " +
		"(https://istio.io/latest/docs/reference/config/); `meshproof check` prints the path of each problem. " +
		"Kinds without a built-in schema (Linkerd's) are checked against the CustomResourceDefinitions given " +
		"with --crds (or crds: in .meshproof.yaml, or in the input); without one their schema is not assessed.",
	Input:   "schema",
	Package: "scanner/schema",
}

// Rules lists every rule a check applies: the engine's built-in rules and
// the schema rule, sorted by ID.
func Rules(e *engine.Engine) []rules.Rule {
	rs := append(e.Rules(), SchemaRule)
	slices.SortFunc(rs, func(a, b rules.Rule) int { return strings.Compare(a.ID, b.ID) })
	return rs
}

// Options direct one check.
type Options struct {
	Paths  []string
	Stdin  io.Reader
	Config *rules.Config
	// Engine evaluates the policies; build it once with engine.New.
	Engine  *engine.Engine
	FailOn  rules.Severity
	Waivers []rules.Waiver
	// Baseline holds the fingerprints of accepted findings (--baseline).
	Baseline rules.Baseline
	// Now decides which waivers have expired (time.Now when zero).
	Now  time.Time
	Load scanner.LoadOptions
	// CRDs are files or folders of CustomResourceDefinitions whose schemas
	// validate the kinds the built-in schemas do not cover (Linkerd's,
	// for one). CRDs in the checked input are used too.
	CRDs []string
	// Shard, when set, evaluates only the input files the shard owns (see
	// Shard.Owns): every shard still reads all inputs, so that the mesh
	// model and the mesh rules see the whole mesh, but it reports only
	// findings on its own files.
	Shard Shard
}

// Result is a check with what it was computed from.
type Result struct {
	Report *rules.Report
	// Model is the mesh model of every input (all shards' inputs too).
	Model *mesh.Model
	// Objects are every object read; Model's references index them.
	Objects []*scanner.Object
	// Files are the input files read, in order.
	Files []string
}

// Run checks the manifests at opts.Paths. An error means the check could
// not be completed (unreadable input, a policy that fails to evaluate): the
// caller must not treat it as a pass.
func Run(ctx context.Context, opts Options) (*rules.Report, error) {
	res, err := Analyze(ctx, opts)
	if err != nil {
		return nil, err
	}
	return res.Report, nil
}

// Analyze runs the check as Run does and also returns the mesh model and
// the objects, for reports that need more than the findings.
func Analyze(ctx context.Context, opts Options) (*Result, error) {
	if opts.Engine == nil {
		return nil, fmt.Errorf("check: no policy engine")
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = rules.DefaultConfig()
	}
	lo := opts.Load
	lo.Stdin = opts.Stdin
	objs, err := scanner.Load(ctx, opts.Paths, lo)
	if err != nil {
		return nil, err
	}
	crds, crdFindings, err := loadCRDs(ctx, opts.CRDs, lo, objs)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	model := mesh.Build(objs, mesh.Options{
		TrustDomain:      cfg.TrustDomain,
		RootNamespace:    cfg.RootNamespace,
		DefaultNamespace: cfg.DefaultNamespace,
		Scope:            cfg.Scope,
		Now:              now,
	})
	evalObjs, own := objs, objs
	if opts.Shard.Count > 1 {
		evalObjs, own = make([]*scanner.Object, len(objs)), nil
		for i, o := range objs {
			evalObjs[i] = o
			if opts.Shard.Owns(o.File) {
				own = append(own, o)
			} else {
				evalObjs[i] = skipped(o)
			}
		}
	}
	findings, err := opts.Engine.Evaluate(ctx, evalObjs, model)
	if err != nil {
		return nil, err
	}
	if opts.Shard.Count > 1 {
		findings = slices.DeleteFunc(findings, func(f rules.Finding) bool { return !opts.Shard.Owns(f.File) })
	}
	findings = append(findings, SchemaFindings(own, crds)...)
	findings = append(findings, slices.DeleteFunc(crdFindings, func(f rules.Finding) bool { return !opts.Shard.Owns(f.File) })...)
	rules.SortFindings(findings)
	waivers := rules.ApplyWaivers(findings, opts.Waivers, now)
	opts.Baseline.Apply(findings)
	failOn := opts.FailOn
	if failOn == 0 {
		failOn = rules.DefaultFailOn
	}
	sum := rules.Summarize(findings, failOn)
	sum.Resources = len(own)
	var applied []rules.Rule
	for _, r := range Rules(opts.Engine) {
		if !r.Disabled {
			applied = append(applied, r)
		}
	}
	sum.Rules = len(applied)
	files := map[string]bool{}
	var fileList []string
	for _, o := range objs {
		if !files[o.File] {
			fileList = append(fileList, o.File)
		}
		files[o.File] = true
	}
	sum.Files = 0
	for f := range files {
		if opts.Shard.Owns(f) {
			sum.Files++
		}
	}
	if findings == nil {
		findings = []rules.Finding{}
	}
	rep := &rules.Report{Findings: findings, Summary: sum, Waivers: waivers, Rules: applied}
	return &Result{Report: rep, Model: model, Objects: objs, Files: fileList}, nil
}

// schemaExpected are the API groups of mesh kinds whose objects the rules
// read: when no schema covers one of their objects, that is reported as not
// assessed rather than passed over.
var schemaExpected = map[string]bool{"policy.linkerd.io": true}

// SchemaFindings validates every object of a kind with a known schema: the
// built-in Istio schemas first, then the CRDs' (nil for none).
func SchemaFindings(objs []*scanner.Object, crds *schema.CRDs) []rules.Finding {
	var out []rules.Finding
	for _, o := range objs {
		issues, known := schema.Validate(o.APIVersion, o.Kind, o.Body)
		if !known {
			issues, known = crds.Validate(o.APIVersion, o.Kind, o.Body)
		}
		if !known {
			if schemaExpected[mesh.Group(o.APIVersion)] {
				f := schemaFinding(o, nil, fmt.Sprintf("%s %s/%s: whether it matches its API schema cannot be told", o.Kind, o.Namespace, o.Name), "not assessed")
				f.NotAssessed = fmt.Sprintf("no CustomResourceDefinition for %s %s is in the input or in --crds (meshproof carries Istio's API schemas, not Linkerd's: give it Linkerd's CRDs, such as the output of linkerd install --crds)", o.APIVersion, o.Kind)
				out = append(out, f)
			}
			continue
		}
		for _, is := range issues {
			out = append(out, schemaFinding(o, is.Path, fmt.Sprintf("%s %s: %s", o.Kind, pathString(is.Path), is.Message), strings.Join(is.Path, ".")+": "+is.Message))
		}
	}
	return out
}

// schemaFinding is a SCHEMA-01 finding on o at path.
func schemaFinding(o *scanner.Object, path []string, msg, key string) rules.Finding {
	r := rules.Resource{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
	return rules.Finding{
		RuleID:      SchemaRule.ID,
		Severity:    SchemaRule.Severity,
		Title:       SchemaRule.Title,
		Message:     msg,
		Resource:    r,
		File:        o.File,
		Line:        o.LineOf(path),
		PCI:         SchemaRule.PCI,
		Refs:        []string{},
		Remediation: SchemaRule.Remediation,
		Fingerprint: rules.Fingerprint(SchemaRule.ID, r, key),
		Source:      "schema",
		Key:         key,
	}
}

// isCRD reports whether o is a CustomResourceDefinition.
func isCRD(o *scanner.Object) bool {
	return o.Kind == "CustomResourceDefinition" && mesh.Group(o.APIVersion) == "apiextensions.k8s.io"
}

// loadCRDs collects the CRD schemas of the checked objects and of the CRD
// files at paths. A CRD in the checked input whose schema cannot be read is
// a finding on it; in paths, where the user names schemas to check against,
// anything but a readable CRD is an error.
func loadCRDs(ctx context.Context, paths []string, lo scanner.LoadOptions, objs []*scanner.Object) (*schema.CRDs, []rules.Finding, error) {
	crds := schema.NewCRDs()
	var findings []rules.Finding
	for _, o := range objs {
		if !isCRD(o) {
			continue
		}
		if err := crds.Add(o.Body); err != nil {
			findings = append(findings, schemaFinding(o, []string{"spec"}, fmt.Sprintf("CustomResourceDefinition %s: its schema cannot be used: %v", o.Name, err), "crd"))
		}
	}
	if len(paths) == 0 {
		return crds, findings, nil
	}
	lo.Stdin = nil
	extra, err := scanner.Load(ctx, paths, lo)
	if err != nil {
		return nil, nil, fmt.Errorf("--crds: %w", err)
	}
	for _, o := range extra {
		if !isCRD(o) {
			return nil, nil, fmt.Errorf("--crds: %s:%d: %s %s is not a CustomResourceDefinition", o.File, o.Line, o.Kind, o.Name)
		}
		if err := crds.Add(o.Body); err != nil {
			return nil, nil, fmt.Errorf("--crds: %s:%d: CustomResourceDefinition %s: %w", o.File, o.Line, o.Name, err)
		}
	}
	return crds, findings, nil
}

// pathString writes a path as spec.ports[0].name.
func pathString(p []string) string {
	var b strings.Builder
	for _, s := range p {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(s)
	}
	return b.String()
}
