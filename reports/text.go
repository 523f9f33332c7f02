package reports

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/meshproof/meshproof/rules"
)

// Text writes findings grouped by file, for people. Colours only when asked
// (the CLI asks on a terminal without NO_COLOR).
type Text struct {
	Color bool
}

const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	blue   = "\x1b[34m"
	purple = "\x1b[35m"
)

var severityColor = map[rules.Severity]string{
	rules.Critical: bold + purple, rules.High: red, rules.Medium: yellow, rules.Low: blue, rules.Info: dim,
}

func (t Text) paint(color, s string) string {
	if !t.Color || color == "" {
		return s
	}
	return color + s + reset
}

// Format writes r.
func (t Text) Format(w io.Writer, r *rules.Report) error {
	bw := bufio.NewWriter(w)
	file := "\x00"
	for _, f := range r.Findings {
		if f.File != file {
			if file != "\x00" {
				fmt.Fprintln(bw)
			}
			file = f.File
			fmt.Fprintln(bw, t.paint(bold, file))
		}
		sev := fmt.Sprintf("%-8s", f.Severity)
		color := severityColor[f.Severity]
		switch {
		case f.NotAssessed != "":
			sev, color = "N/A     ", dim
		case f.Waived:
			sev, color = "WAIVED  ", dim
		case f.Baseline:
			sev, color = "BASELINE", dim
		}
		fmt.Fprintf(bw, "  %s  %s  %-9s %s\n", t.paint(dim, fmt.Sprintf("%5d", f.Line)), t.paint(color, sev), f.RuleID, f.Resource)
		fmt.Fprintf(bw, "         %s\n", f.Message)
		if f.NotAssessed != "" {
			fmt.Fprintf(bw, "         %s\n", t.paint(dim, "not assessed: "+f.NotAssessed))
		}
		if w := f.Waiver; w != nil {
			fmt.Fprintf(bw, "         %s\n", t.paint(dim, waiverNote(w)))
		}
		if len(f.PCI) > 0 && !f.Waived && f.NotAssessed == "" {
			fmt.Fprintf(bw, "         %s\n", t.paint(dim, "PCI DSS "+strings.Join(f.PCI, ", ")))
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(bw)
	}
	for _, ws := range r.Waivers {
		w := ws.Waiver
		switch ws.Status {
		case "expired":
			fmt.Fprintf(bw, "%s waiver for %s %s expired on %s (%s); %d finding(s) no longer waived\n", t.paint(yellow, "warning:"), w.Rule, target(w), w.Expires, w.Source, ws.Matched)
		case "unused":
			fmt.Fprintf(bw, "%s waiver for %s %s matches no finding (%s): remove it\n", t.paint(yellow, "warning:"), w.Rule, target(w), w.Source)
		}
	}
	s := r.Summary
	var parts []string
	for _, sev := range slices.Backward(rules.Severities()) {
		if n := s.BySeverity[sev.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, sev))
		}
	}
	counts := ""
	if len(parts) > 0 {
		counts = " (" + strings.Join(parts, ", ") + ")"
	}
	waived := ""
	if s.Waived > 0 {
		waived = fmt.Sprintf(", %d waived", s.Waived)
	}
	if s.Baselined > 0 {
		waived += fmt.Sprintf(", %d in the baseline", s.Baselined)
	}
	if s.NotAssessed > 0 {
		waived += fmt.Sprintf(", %d not assessed", s.NotAssessed)
	}
	fmt.Fprintf(bw, "%d findings%s%s in %d resources from %d files, %d rules\n", s.Findings-s.Waived-s.Baselined-s.NotAssessed, counts, waived, s.Resources, s.Files, s.Rules)
	if s.Passed {
		fmt.Fprintf(bw, "%s nothing at or above %s\n", t.paint(bold+green, "PASS"), s.FailOn)
	} else {
		fmt.Fprintf(bw, "%s %d finding(s) at or above %s\n", t.paint(bold+red, "FAIL"), s.Blocking, s.FailOn)
	}
	return bw.Flush()
}

func waiverNote(w *rules.Waiver) string {
	by := w.Owner
	if w.Annotation {
		by = "annotation " + rules.WaiveAnnotation
		if w.Owner != "" {
			by += " (" + w.Owner + ")"
		}
	}
	switch {
	case w.Invalid != "":
		return "waiver ignored (" + by + "): " + w.Invalid
	case w.Expired:
		return fmt.Sprintf("waiver EXPIRED on %s (%s): %s", w.Expires, by, w.Reason)
	case w.Expires == "":
		return fmt.Sprintf("waived by %s: %s", by, w.Reason)
	}
	return fmt.Sprintf("waived until %s by %s: %s", w.Expires, by, w.Reason)
}

func target(w rules.Waiver) string {
	if w.Resource != "" {
		return w.Resource
	}
	return "fingerprint " + w.Fingerprint
}
