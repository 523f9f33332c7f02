package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/meshproof/meshproof/rules"
)

// JUnit writes JUnit XML as CI servers render it: one testsuite per rule,
// one testcase per rule and resource (a failure per finding; skipped for
// not-assessed and waived findings), and one passing testcase for a rule
// with no finding.
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failures  []junitResult `xml:"failure,omitempty"`
	Skipped   *junitResult  `xml:"skipped,omitempty"`
}

type junitResult struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// Format writes r as JUnit XML.
func (JUnit) Format(w io.Writer, r *rules.Report) error {
	byRule := map[string][]rules.Finding{}
	for _, f := range r.Findings {
		byRule[f.RuleID] = append(byRule[f.RuleID], f)
	}
	ids := make([]string, 0, len(r.Rules)+len(byRule))
	titles := map[string]string{}
	for _, rule := range r.Rules {
		ids = append(ids, rule.ID)
		titles[rule.ID] = rule.Title
	}
	for id, fs := range byRule {
		if _, ok := titles[id]; !ok {
			ids = append(ids, id)
			titles[id] = fs[0].Title
		}
	}
	sort.Strings(ids)
	out := junitSuites{Name: "meshproof"}
	for _, id := range ids {
		s := junitSuite{Name: id + " " + titles[id]}
		fs := byRule[id]
		if len(fs) == 0 {
			s.Cases = append(s.Cases, junitCase{Name: "no findings", Classname: id})
		}
		// One testcase per resource, holding its findings.
		byRes := map[string]*junitCase{}
		var order []string
		for _, f := range fs {
			key := f.Resource.String()
			c := byRes[key]
			if c == nil {
				c = &junitCase{Name: key, Classname: id, File: f.File, Line: f.Line}
				byRes[key] = c
				order = append(order, key)
			}
			body := fmt.Sprintf("%s:%d: %s\nPCI DSS %s\n%s", f.File, f.Line, f.Message, strings.Join(f.PCI, ", "), f.Remediation)
			switch {
			case f.NotAssessed != "":
				c.Skipped = &junitResult{Message: "not assessed: " + f.NotAssessed}
			case f.Waived:
				reason := ""
				if f.Waiver != nil {
					reason = f.Waiver.Reason
				}
				c.Skipped = &junitResult{Message: "waived: " + reason}
			case f.Baseline:
				c.Skipped = &junitResult{Message: "in the baseline"}
			default:
				c.Failures = append(c.Failures, junitResult{Message: f.Message, Type: f.Severity.String(), Text: body})
			}
		}
		for _, key := range order {
			c := byRes[key]
			if len(c.Failures) > 0 {
				c.Skipped = nil // a real failure outweighs a skipped finding on the same resource
				s.Failures++
			} else if c.Skipped != nil {
				s.Skipped++
			}
			s.Cases = append(s.Cases, *c)
		}
		s.Tests = len(s.Cases)
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
