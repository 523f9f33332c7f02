package rules

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

// Baseline is the set of finding fingerprints accepted before: a repository
// that adopts meshproof late fails only on findings that are new.
type Baseline map[string]bool

var fingerprintRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// LoadBaseline reads a baseline: the JSON report of an earlier check
// (meshproof check -o json > baseline.json). Findings that were waived or
// not assessed there are not part of it.
func LoadBaseline(path string) (Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	var rep struct {
		Findings *[]struct {
			Fingerprint string `json:"fingerprint"`
			Waived      bool   `json:"waived"`
			NotAssessed string `json:"not_assessed"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("baseline %s: not a meshproof JSON report: %w", path, err)
	}
	if rep.Findings == nil {
		return nil, fmt.Errorf("baseline %s: not a meshproof JSON report (no findings list)", path)
	}
	b := Baseline{}
	for i, f := range *rep.Findings {
		if !fingerprintRE.MatchString(f.Fingerprint) {
			return nil, fmt.Errorf("baseline %s: finding %d has no valid fingerprint", path, i)
		}
		if !f.Waived && f.NotAssessed == "" {
			b[f.Fingerprint] = true
		}
	}
	return b, nil
}

// Apply marks the findings whose fingerprint is in the baseline.
func (b Baseline) Apply(fs []Finding) {
	for i := range fs {
		if b[fs[i].Fingerprint] {
			fs[i].Baseline = true
		}
	}
}
