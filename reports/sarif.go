package reports

import (
	"encoding/json"
	"io"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/meshproof/meshproof/rules"
)

// SARIF writes a SARIF 2.1.0 log that GitHub code scanning accepts: one
// reportingDescriptor per rule (built-in rules with their help and PCI DSS
// tags, user policy rules by their ID), one result per finding with its file
// and line, partial fingerprints from the finding's stable fingerprint,
// waived findings as suppressed results, and not-assessed findings as
// results of kind "open".
type SARIF struct{}

const sarifSchema = "https://json.schemastore.org/sarif-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Kind                string             `json:"kind"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

// sarifLevel maps severities to SARIF levels.
func sarifLevel(s rules.Severity) string {
	switch {
	case s >= rules.High:
		return "error"
	case s == rules.Medium:
		return "warning"
	}
	return "note"
}

// securitySeverity is GitHub's numeric severity (critical >= 9.0, high >=
// 7.0, medium >= 4.0, low below).
var securitySeverity = map[rules.Severity]string{
	rules.Critical: "9.5", rules.High: "8.0", rules.Medium: "5.5", rules.Low: "3.0", rules.Info: "1.0",
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// pascal turns a title into a SARIF rule name ("NoMeshWideStrictPeerAuthentication").
func pascal(s string) string {
	var b strings.Builder
	for _, w := range nonWord.Split(s, -1) {
		if w == "" {
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func sarifRuleOf(r rules.Rule) sarifRule {
	tags := []string{"security", "service-mesh"}
	for _, id := range r.PCI {
		tags = append(tags, "PCI-DSS-"+id)
	}
	md := r.Rationale + "\n\n**PCI DSS v4.0.1:** " + strings.Join(r.PCI, ", ")
	if len(r.Refs) > 0 {
		md += "\n\n**References:** " + strings.Join(r.Refs, "; ")
	}
	md += "\n\n**Remediation:**\n\n```yaml\n" + r.Remediation + "\n```"
	return sarifRule{
		ID:                   r.ID,
		Name:                 pascal(r.Title),
		ShortDescription:     sarifText{Text: r.Title},
		FullDescription:      sarifText{Text: r.Rationale},
		Help:                 sarifText{Text: r.Rationale + "\n\nRemediation:\n" + r.Remediation, Markdown: md},
		DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
		Properties: map[string]any{
			"tags":              tags,
			"security-severity": securitySeverity[r.Severity],
			"precision":         "high",
			"problem.severity":  strings.ToLower(r.Severity.String()),
		},
	}
}

// sarifURI writes a file path as a relative URI (forward slashes).
func sarifURI(file string) sarifArtifact {
	if file == "" || file == "<stdin>" {
		return sarifArtifact{URI: "stdin"}
	}
	p := filepath.ToSlash(filepath.Clean(file))
	if filepath.IsAbs(file) {
		return sarifArtifact{URI: "file://" + p}
	}
	return sarifArtifact{URI: strings.TrimPrefix(p, "./"), URIBaseID: "%SRCROOT%"}
}

// Format writes r as SARIF.
func (SARIF) Format(w io.Writer, r *rules.Report) error {
	index := map[string]int{}
	var srules []sarifRule
	for _, rule := range r.Rules {
		index[rule.ID] = len(srules)
		srules = append(srules, sarifRuleOf(rule))
	}
	// User policy rules: described from their first finding.
	var extra []string
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if _, ok := index[f.RuleID]; !ok && !seen[f.RuleID] {
			seen[f.RuleID] = true
			extra = append(extra, f.RuleID)
		}
	}
	sort.Strings(extra)
	for _, id := range extra {
		for _, f := range r.Findings {
			if f.RuleID == id {
				index[id] = len(srules)
				srules = append(srules, sarifRuleOf(rules.Rule{
					ID: id, Title: f.Title, Severity: f.Severity, PCI: f.PCI, Refs: f.Refs,
					Rationale: "User policy " + f.Source + ".", Remediation: f.Remediation,
				}))
				break
			}
		}
	}
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		res := sarifResult{
			RuleID:    f.RuleID,
			RuleIndex: index[f.RuleID],
			Kind:      "fail",
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{Text: f.Message},
			Locations: []sarifLocation{{
				PhysicalLocation: sarifPhysical{ArtifactLocation: sarifURI(f.File), Region: sarifRegion{StartLine: max(f.Line, 1)}},
				LogicalLocations: []sarifLogical{{FullyQualifiedName: f.Resource.String(), Kind: "resource"}},
			}},
			PartialFingerprints: map[string]string{"meshproofFingerprint/v1": f.Fingerprint},
			Properties: map[string]any{
				"severity": f.Severity.String(),
				"pci":      f.PCI,
			},
		}
		if f.NotAssessed != "" {
			res.Kind, res.Level = "open", "none"
			res.Message.Text += " (not assessed: " + f.NotAssessed + ")"
		}
		if f.Waived && f.Waiver != nil {
			res.Suppressions = []sarifSuppression{{Kind: suppressionKind(f.Waiver), Justification: f.Waiver.Reason}}
		}
		if f.Baseline {
			res.Properties["baseline"] = true
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool: sarifTool{Driver: sarifDriver{
				Name:           "meshproof",
				Version:        r.Tool,
				InformationURI: "https://github.com/meshproof/meshproof",
				Rules:          srules,
			}},
			Results: results,
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(log)
}

// suppressionKind is "inSource" for annotation waivers, "external" for the
// waivers file.
func suppressionKind(w *rules.Waiver) string {
	if w.Annotation {
		return "inSource"
	}
	return "external"
}
