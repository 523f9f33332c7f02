package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/meshproof/meshproof/rules"
)

// Markdown writes a pull-request comment: the verdict, a summary table,
// the top findings, and every finding in collapsible sections per rule.
type Markdown struct {
	// Top is how many findings the top list shows (10 when 0).
	Top int
}

// Format writes r as Markdown.
func (m Markdown) Format(w io.Writer, r *rules.Report) error {
	top := m.Top
	if top == 0 {
		top = 10
	}
	bw := bufio.NewWriter(w)
	s := r.Summary
	verdict := "✅ **meshproof check passed**: nothing at or above " + s.FailOn.String()
	if !s.Passed {
		verdict = fmt.Sprintf("❌ **meshproof check failed**: %d finding(s) at or above %s", s.Blocking, s.FailOn)
	}
	fmt.Fprintf(bw, "### %s\n\n", verdict)
	fmt.Fprintln(bw, "| Critical | High | Medium | Low | Info | Waived | Baseline | Not assessed |")
	fmt.Fprintln(bw, "|---:|---:|---:|---:|---:|---:|---:|---:|")
	b := s.BySeverity
	fmt.Fprintf(bw, "| %d | %d | %d | %d | %d | %d | %d | %d |\n\n", b["CRITICAL"], b["HIGH"], b["MEDIUM"], b["LOW"], b["INFO"], s.Waived, s.Baselined, s.NotAssessed)
	fmt.Fprintf(bw, "%d resources in %d files, %d rules.\n", s.Resources, s.Files, s.Rules)

	var open []rules.Finding
	for _, f := range r.Findings {
		if !f.Waived && !f.Baseline && f.NotAssessed == "" {
			open = append(open, f)
		}
	}
	if len(open) > 0 {
		sorted := slices.Clone(open)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Severity > sorted[j].Severity })
		fmt.Fprintf(bw, "\n#### Top findings\n\n| Severity | Rule | Resource | Where | Finding |\n|---|---|---|---|---|\n")
		for _, f := range sorted[:min(top, len(sorted))] {
			fmt.Fprintf(bw, "| %s | %s | `%s` | `%s:%d` | %s |\n", f.Severity, f.RuleID, f.Resource, f.File, f.Line, mdCell(f.Message))
		}
	}
	byRule := map[string][]rules.Finding{}
	var ids []string
	for _, f := range r.Findings {
		if _, ok := byRule[f.RuleID]; !ok {
			ids = append(ids, f.RuleID)
		}
		byRule[f.RuleID] = append(byRule[f.RuleID], f)
	}
	sort.Strings(ids)
	if len(ids) > 0 {
		fmt.Fprintln(bw, "\n#### All findings by rule")
	}
	for _, id := range ids {
		fs := byRule[id]
		fmt.Fprintf(bw, "\n<details><summary><b>%s</b> %s (%d)</summary>\n\n", id, htmlEscape(fs[0].Title), len(fs))
		if len(fs[0].PCI) > 0 {
			fmt.Fprintf(bw, "PCI DSS %s\n\n", strings.Join(fs[0].PCI, ", "))
		}
		for _, f := range fs {
			state := f.Severity.String()
			switch {
			case f.NotAssessed != "":
				state = "not assessed (" + f.NotAssessed + ")"
			case f.Waived:
				state = "waived"
				if f.Waiver != nil {
					state += " (" + f.Waiver.Reason + ")"
				}
			case f.Baseline:
				state = "baseline"
			}
			fmt.Fprintf(bw, "- `%s:%d` `%s` %s: %s\n", f.File, f.Line, f.Resource, state, f.Message)
		}
		if rem := fs[0].Remediation; rem != "" {
			fmt.Fprintf(bw, "\n**Fix:**\n\n```yaml\n%s\n```\n", rem)
		}
		fmt.Fprintln(bw, "\n</details>")
	}
	return bw.Flush()
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
