package rules

import (
	"fmt"
	"os"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"
)

// Waiver accepts the risk of one rule on one resource (or one finding by
// fingerprint) until a date. An expired waiver stops waiving.
type Waiver struct {
	Rule        string `yaml:"rule" json:"rule"`
	Resource    string `yaml:"resource" json:"resource,omitempty"`
	Fingerprint string `yaml:"fingerprint" json:"fingerprint,omitempty"`
	Owner       string `yaml:"owner" json:"owner"`
	Reason      string `yaml:"reason" json:"reason"`
	// Expires is the last day (YYYY-MM-DD, UTC) the waiver applies.
	Expires string `yaml:"expires" json:"expires"`
	Expired bool   `yaml:"-" json:"expired,omitempty"`
	// Source is "file:line" of the waiver.
	Source string `yaml:"-" json:"source,omitempty"`
	// Annotation is true for a waiver written as annotations on the object.
	Annotation bool `yaml:"-" json:"annotation,omitempty"`
	// Invalid says why the waiver is not applied (an annotation waiver
	// without a reason, or with a bad date).
	Invalid string `yaml:"-" json:"invalid,omitempty"`

	until time.Time // the first instant after Expires
}

// WaiverStatus reports a waiver that expired or matched no finding.
type WaiverStatus struct {
	Waiver  Waiver `json:"waiver"`
	Status  string `json:"status"` // "expired" or "unused"
	Matched int    `json:"matched"`
}

type waiverFile struct {
	Waivers []Waiver `yaml:"waivers"`
}

// LoadWaivers reads a waivers file strictly: unknown keys, missing owner,
// reason or expiry, and bad dates are errors with the file and line.
func LoadWaivers(path string) ([]Waiver, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read waivers: %w", err)
	}
	var root yaml.Node
	var wf waiverFile
	if err := decodeStrict(path, data, &wf, &root); err != nil {
		return nil, err
	}
	var items *yaml.Node
	if len(root.Content) > 0 {
		m := root.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == "waivers" {
				items = m.Content[i+1]
			}
		}
	}
	for i := range wf.Waivers {
		w := &wf.Waivers[i]
		line := 0
		if items != nil && i < len(items.Content) {
			line = items.Content[i].Line
		}
		w.Source = fmt.Sprintf("%s:%d", path, line)
		bad := func(format string, args ...any) error {
			return &ConfigError{File: path, Line: line, Msg: "waiver: " + fmt.Sprintf(format, args...)}
		}
		switch {
		case w.Rule == "":
			return nil, bad("missing rule")
		case w.Resource == "" && w.Fingerprint == "":
			return nil, bad("%s: needs a resource (Kind/namespace/name) or a fingerprint", w.Rule)
		case strings.TrimSpace(w.Owner) == "":
			return nil, bad("%s: missing owner", w.Rule)
		case strings.TrimSpace(w.Reason) == "":
			return nil, bad("%s: missing reason", w.Rule)
		case w.Expires == "":
			return nil, bad("%s: missing expires (YYYY-MM-DD): a waiver without an end is a permanent exception", w.Rule)
		}
		if w.Resource != "" && strings.Count(w.Resource, "/") < 1 {
			return nil, bad("%s: resource %q must be Kind/namespace/name or Kind/name", w.Rule, w.Resource)
		}
		d, err := time.Parse(time.DateOnly, w.Expires)
		if err != nil {
			return nil, bad("%s: expires %q is not a date (YYYY-MM-DD)", w.Rule, w.Expires)
		}
		w.until = d.AddDate(0, 0, 1)
	}
	return wf.Waivers, nil
}

func (w *Waiver) matches(f *Finding) bool {
	if w.Rule != f.RuleID {
		return false
	}
	if w.Fingerprint != "" && w.Fingerprint != f.Fingerprint {
		return false
	}
	return w.Resource == "" || w.Resource == f.Resource.String()
}

// Annotations that waive rules on the object that carries them.
const (
	WaiveAnnotation        = "meshproof.dev/waive"         // rule IDs, comma-separated
	WaiveReasonAnnotation  = "meshproof.dev/waive-reason"  // required
	WaiveOwnerAnnotation   = "meshproof.dev/waive-owner"   // optional
	WaiveExpiresAnnotation = "meshproof.dev/waive-expires" // optional, YYYY-MM-DD
)

// AnnotationWaiver returns the waiver that an object's annotations declare
// for rule, or nil. A waiver without a reason, or with a bad expiry date, is
// returned with Invalid set and must not waive.
func AnnotationWaiver(annotations map[string]string, rule string, now time.Time) *Waiver {
	ids, ok := annotations[WaiveAnnotation]
	if !ok {
		return nil
	}
	found := false
	for _, id := range strings.Split(ids, ",") {
		if strings.EqualFold(strings.TrimSpace(id), rule) {
			found = true
		}
	}
	if !found {
		return nil
	}
	w := &Waiver{
		Rule:       rule,
		Owner:      annotations[WaiveOwnerAnnotation],
		Reason:     strings.TrimSpace(annotations[WaiveReasonAnnotation]),
		Expires:    annotations[WaiveExpiresAnnotation],
		Annotation: true,
	}
	if w.Reason == "" {
		w.Invalid = "no " + WaiveReasonAnnotation + " annotation: a waiver needs a reason"
		return w
	}
	if w.Expires != "" {
		d, err := time.Parse(time.DateOnly, w.Expires)
		if err != nil {
			w.Invalid = fmt.Sprintf("%s %q is not a date (YYYY-MM-DD)", WaiveExpiresAnnotation, w.Expires)
			return w
		}
		w.until = d.AddDate(0, 0, 1)
		w.Expired = !now.Before(w.until)
	}
	return w
}

// ApplyWaivers marks the findings that a waiver in force covers, attaches
// expired waivers to the findings they would have covered (which stay
// unwaived), and reports the waivers that expired or matched nothing.
func ApplyWaivers(fs []Finding, ws []Waiver, now time.Time) []WaiverStatus {
	var out []WaiverStatus
	for i := range ws {
		w := ws[i]
		if w.until.IsZero() {
			if d, err := time.Parse(time.DateOnly, w.Expires); err == nil {
				w.until = d.AddDate(0, 0, 1)
			}
		}
		w.Expired = !now.Before(w.until)
		matched := 0
		for j := range fs {
			f := &fs[j]
			if f.Waived || !w.matches(f) {
				continue
			}
			matched++
			wc := w
			f.Waiver = &wc
			f.Waived = !w.Expired
		}
		switch {
		case w.Expired:
			out = append(out, WaiverStatus{Waiver: w, Status: "expired", Matched: matched})
		case matched == 0:
			out = append(out, WaiverStatus{Waiver: w, Status: "unused"})
		}
	}
	return out
}
