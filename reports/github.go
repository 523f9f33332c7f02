package reports

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/meshproof/meshproof/rules"
)

// GitHub writes GitHub Actions workflow commands that annotate the pull
// request's files: ::error for HIGH and CRITICAL, ::warning for MEDIUM,
// ::notice for LOW and INFO. Waived, baselined and not-assessed findings are
// not annotated; the summary line is.
type GitHub struct{}

// Format writes r as workflow commands.
func (GitHub) Format(w io.Writer, r *rules.Report) error {
	bw := bufio.NewWriter(w)
	for _, f := range r.Findings {
		if f.Waived || f.Baseline || f.NotAssessed != "" {
			continue
		}
		level := "notice"
		switch {
		case f.Severity >= rules.High:
			level = "error"
		case f.Severity == rules.Medium:
			level = "warning"
		}
		title := fmt.Sprintf("%s %s (%s)", f.RuleID, f.Title, f.Severity)
		msg := f.Message
		if len(f.PCI) > 0 {
			msg += "\nPCI DSS " + strings.Join(f.PCI, ", ")
		}
		fmt.Fprintf(bw, "::%s file=%s,line=%d,title=%s::%s\n", level, escapeProperty(f.File), max(f.Line, 1), escapeProperty(title), escapeData(msg))
	}
	s := r.Summary
	level, verdict := "notice", "passed"
	if !s.Passed {
		level, verdict = "error", "failed"
	}
	fmt.Fprintf(bw, "::%s title=meshproof check %s::%s\n", level, verdict, escapeData(fmt.Sprintf(
		"%d blocking finding(s) at or above %s, %d waived, %d in the baseline, %d not assessed; %d resources, %d rules",
		s.Blocking, s.FailOn, s.Waived, s.Baselined, s.NotAssessed, s.Resources, s.Rules)))
	return bw.Flush()
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
