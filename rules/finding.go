package rules

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Resource names the Kubernetes object a finding is about.
type Resource struct {
	APIVersion string `json:"api_version"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String is "Kind/namespace/name", or "Kind/name" without a namespace.
func (r Resource) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Group is the API group of the resource ("" for the core group).
func (r Resource) Group() string {
	g, _, ok := strings.Cut(r.APIVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// Finding is one rule violated by one resource.
type Finding struct {
	RuleID      string   `json:"rule_id"`
	Severity    Severity `json:"severity"`
	Title       string   `json:"title"`
	Message     string   `json:"message"`
	Resource    Resource `json:"resource"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
	PCI         []string `json:"pci"`
	Refs        []string `json:"refs"`
	Remediation string   `json:"remediation"`
	Fingerprint string   `json:"fingerprint"`
	Waived      bool     `json:"waived"`
	// Waiver is the waiver that matched, set when Waived or when the
	// matching waiver has expired.
	Waiver *Waiver `json:"waiver,omitempty"`
	// Source says where the rule comes from: "builtin", "schema", or the
	// user policy namespace ("policy:main").
	Source string `json:"source"`
	// CDE is true when the resource is in the cardholder data environment.
	CDE bool `json:"cde,omitempty"`
	// NotAssessed, when set, says why the rule could not be assessed (an
	// object it needs is not in the input). Such a finding is neither a pass
	// nor a failure: it is counted apart and never blocks.
	NotAssessed string `json:"not_assessed,omitempty"`
	// Baseline is true when the finding's fingerprint is in the baseline
	// (--baseline): it was accepted before and does not block.
	Baseline bool `json:"baseline,omitempty"`
	// Key tells apart several findings of one rule on one resource (a
	// container name, a port); it feeds the fingerprint.
	Key string `json:"-"`
}

// Fingerprint identifies a finding across runs: it depends on the rule, the
// resource's group, kind, namespace and name, and the finding's key, never on
// the file, the line or the order of the YAML, so that reformatting or moving
// manifests keeps it stable.
func Fingerprint(ruleID string, r Resource, key string) string {
	h := sha256.New()
	for _, s := range []string{ruleID, r.Group(), r.Kind, r.Namespace, r.Name, key} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// SortFindings orders findings by file, line, rule and resource, so that
// output is the same on every run.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.RuleID, b.RuleID),
			cmp.Compare(a.Resource.String(), b.Resource.String()),
			cmp.Compare(a.Key, b.Key),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Rule is the metadata of one rule of the built-in pack.
type Rule struct {
	ID        string   `json:"id"`
	Title     string   `json:"title"`
	Severity  Severity `json:"severity"`
	PCI       []string `json:"pci"`
	Refs      []string `json:"refs,omitempty"`
	Rationale string   `json:"rationale"`
	// Remediation says how to fix a finding, often with a YAML snippet.
	Remediation string `json:"remediation"`
	// Kinds are the kinds a document rule looks at; empty for mesh rules.
	Kinds []string `json:"kinds,omitempty"`
	// Input is "document" (the rule sees one object, as under conftest) or
	// "mesh" (the rule sees the whole mesh model).
	Input string `json:"input"`
	// CDERaise raises the severity one level for resources in the CDE.
	CDERaise bool `json:"cde_raise,omitempty"`
	// Istioctl is the istioctl analyze message code the rule corresponds to.
	Istioctl string `json:"istioctl,omitempty"`
	// Package is the Rego package that implements the rule.
	Package string `json:"package"`
	// Disabled is true when the configuration turns the rule off.
	Disabled bool `json:"disabled,omitempty"`
}

// Summary counts what a check found and says whether it passed.
type Summary struct {
	Files      int            `json:"files"`
	Resources  int            `json:"resources"`
	Rules      int            `json:"rules"`
	Findings   int            `json:"findings"`
	BySeverity map[string]int `json:"by_severity"`
	Waived     int            `json:"waived"`
	// NotAssessed counts rules that could not be assessed on a resource.
	NotAssessed int `json:"not_assessed"`
	// Baselined counts findings already in the baseline.
	Baselined int `json:"baselined"`
	// Blocking counts unwaived findings at or above FailOn.
	Blocking int      `json:"blocking"`
	FailOn   Severity `json:"fail_on"`
	Passed   bool     `json:"passed"`
}

// Report is the result of a check: the findings, their summary, and what
// happened to the waivers.
type Report struct {
	Findings []Finding `json:"findings"`
	Summary  Summary   `json:"summary"`
	// Waivers lists the waivers that expired or matched nothing.
	Waivers []WaiverStatus `json:"waivers,omitempty"`
	// Rules are the built-in rules the check applied (for formats that
	// describe rules, such as SARIF); not part of the JSON report.
	Rules []Rule `json:"-"`
	// Tool is the version of meshproof that made the report.
	Tool string `json:"-"`
	// Shard, Inputs and RulePack are set by a sharded check (--shard), so
	// that the shards' results can be merged and checked against each
	// other: the part of the inputs this run evaluated, every input file
	// with its digest, and the digest of the policies that ran.
	Shard    *Shard      `json:"shard,omitempty"`
	Inputs   []InputFile `json:"inputs,omitempty"`
	RulePack string      `json:"rule_pack,omitempty"`
	// ToolVersion repeats Tool in a sharded check's JSON.
	ToolVersion string `json:"tool,omitempty"`
}

// InputFile is an input file and its SHA-256.
type InputFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Shard is the part of the inputs one run of a sharded check evaluated.
type Shard struct {
	Index int `json:"index"` // 1-based
	Count int `json:"count"`
	// Files are the input files this shard owns: only findings on them are
	// reported.
	Files []string `json:"files"`
	// Time is when the shard's check ran: it decided waiver expiry, and a
	// merge builds the report at the shards' time.
	Time time.Time `json:"time,omitzero"`
}

// RuleByID returns the report's rule with an ID, or nil (user policies).
func (r *Report) RuleByID(id string) *Rule {
	for i := range r.Rules {
		if r.Rules[i].ID == id {
			return &r.Rules[i]
		}
	}
	return nil
}

// Summarize counts findings against the failure threshold.
func Summarize(fs []Finding, failOn Severity) Summary {
	s := Summary{BySeverity: map[string]int{}, FailOn: failOn}
	for _, sev := range Severities() {
		s.BySeverity[sev.String()] = 0
	}
	for _, f := range fs {
		s.Findings++
		switch {
		case f.NotAssessed != "":
			s.NotAssessed++
			continue
		case f.Waived:
			s.Waived++
			continue
		case f.Baseline:
			s.Baselined++
			continue
		}
		s.BySeverity[f.Severity.String()]++
		if f.Severity >= failOn {
			s.Blocking++
		}
	}
	s.Passed = s.Blocking == 0
	return s
}
