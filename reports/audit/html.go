package audit

import (
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/meshproof/meshproof/rules"
)

//go:embed report.html.tmpl
var htmlTemplate string

var htmlFuncs = template.FuncMap{
	"pct": func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	"statusText": func(s string) string {
		return map[string]string{StatusPass: "pass", StatusFail: "fail", StatusNotAssessed: "not assessed", StatusNotApplicable: "not applicable", "waived": "waived", "no_subject": "nothing to check", "assessed": "assessed", "in_force": "in force", "expired": "expired", "unused": "unused", "invalid": "invalid", StatusIncomplete: "incomplete", ImageScanned: "scanned", ImageFailed: "could not be scanned", ImageMissing: "not in the inventory"}[s]
	},
	"join":     strings.Join,
	"orDash":   func(s string) string { return cmpOr(s, "-") },
	"severity": func(s rules.Severity) string { return s.String() },
	"lower":    strings.ToLower,
	"findingsFor": func(r *Report, ids []string) []rules.Finding {
		var out []rules.Finding
		for _, id := range ids {
			for _, f := range r.Findings {
				if f.Fingerprint == id {
					out = append(out, f)
					break
				}
			}
		}
		return out
	},
	"sevKeys": func() []string {
		var out []string
		for _, s := range rules.Severities() {
			out = append([]string{s.String()}, out...)
		}
		return out
	},
	"keys": sortedKeys[int],
}

var tmpl = template.Must(template.New("report").Funcs(htmlFuncs).Parse(htmlTemplate))

// WriteHTML writes the report as one self-contained HTML page: inline CSS,
// the segmentation graph as inline SVG, no script, no external reference,
// so that it opens from a file with no network and prints well.
func WriteHTML(ctx context.Context, w io.Writer, r *Report) error {
	svg, err := SVG(ctx, r)
	if err != nil {
		return err
	}
	return tmpl.Execute(w, struct {
		*Report
		Graph template.HTML
	}{r, template.HTML(svg)})
}
