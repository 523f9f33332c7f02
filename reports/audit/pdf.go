package audit

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/carlos7ags/folio/document"
	"github.com/carlos7ags/folio/font"
	"github.com/carlos7ags/folio/layout"
	"github.com/carlos7ags/folio/svg"
)

// The PDF is made with folio (github.com/carlos7ags/folio), a pure-Go PDF
// library under active development (Apache-2.0, depends only on Go's x/
// modules): its layout engine gives headings, wrapped paragraphs and
// tables that break across pages, and it draws the segmentation SVG as
// vector graphics. go-pdf/fpdf, the usual choice, was archived in 2025.

var (
	pdfRegular = font.Helvetica
	pdfBold    = font.HelveticaBold
)

// pdfText makes text safe for the standard fonts' WinAnsi encoding.
func pdfText(s string) string {
	s = strings.NewReplacer("→", "->", "…", "...", "’", "'", "“", `"`, "”", `"`, "—", "-", "–", "-").Replace(s)
	if font.CanEncodeWinAnsi(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if font.CanEncodeWinAnsi(string(r)) {
			b.WriteRune(r)
		} else {
			b.WriteRune('?')
		}
	}
	return b.String()
}

func para(text string, size float64) *layout.Paragraph {
	return layout.NewParagraph(pdfText(text), pdfRegular, size).SetSpaceAfter(4)
}

func heading(text string) *layout.Heading {
	return layout.NewHeadingWithFont(pdfText(text), layout.H2, pdfBold, 14)
}

// table adds a table with a header row; widths are in points.
func table(widths []float64, header []string, rows [][]string) *layout.Table {
	t := layout.NewTable().SetColumnWidths(widths)
	h := t.AddHeaderRow()
	for _, c := range header {
		h.AddCell(pdfText(c), pdfBold, 8).SetPadding(3).SetBackground(layout.Hex("#eaeef2"))
	}
	for _, row := range rows {
		r := t.AddRow()
		for i, c := range row {
			if i < len(widths) {
				c = wrapTokens(c, widths[i])
			}
			r.AddCell(pdfText(c), pdfRegular, 8).SetPadding(3)
		}
	}
	return t
}

// wrapTokens breaks the words of a cell that are wider than its column
// (image references, digests, paths), which the layout would let run over
// the next cell: after a separator (/ _ - : . @) when there is one in
// reach, else anywhere.
func wrapTokens(s string, width float64) string {
	fit := int((width - 6) / 4.3) // characters of 8 pt Helvetica
	if fit < 4 {
		return s
	}
	words := strings.Split(s, " ")
	for i, w := range words {
		var b strings.Builder
		for len(w) > fit {
			cut := strings.LastIndexAny(w[:fit], "/_-:.@")
			if cut < fit/2 {
				cut = fit - 1
			}
			b.WriteString(w[:cut+1])
			b.WriteByte(' ')
			w = w[cut+1:]
		}
		b.WriteString(w)
		words[i] = b.String()
	}
	return strings.Join(words, " ")
}

// WritePDF writes the report as PDF: the summary, the scope, the
// segmentation graph, the requirement table, coverage, inventory,
// vulnerabilities, waivers, statements and integrity.
func WritePDF(ctx context.Context, w io.Writer, r *Report) error {
	doc := document.NewDocument(document.PageSizeA4)
	doc.Info.Title = r.Title
	doc.Info.Creator = "meshproof " + r.Integrity.Tool
	doc.SetAutoBookmarks(true)
	doc.SetFooterText(pdfText("meshproof "+r.Integrity.Tool+" - "+r.Integrity.Generated), pdfRegular, 7, layout.AlignCenter)

	doc.Add(layout.NewHeadingWithFont(pdfText(r.Title), layout.H1, pdfBold, 18))
	doc.Add(para(fmt.Sprintf("Generated %s by meshproof %s from %d input file(s). Rule pack %s.", r.Integrity.Generated, r.Integrity.Tool, len(r.Integrity.Inputs), r.Integrity.RulePack), 8))
	s := r.Summary
	doc.Add(para(fmt.Sprintf("Overall: %s. %d requirement(s) pass, %d fail, %d not assessed, %d not applicable.",
		strings.ToUpper(r.Status), s.Requirements[StatusPass], s.Requirements[StatusFail], s.Requirements[StatusNotAssessed], s.Requirements[StatusNotApplicable]), 11))
	if !r.Complete {
		doc.Add(para("INCOMPLETE REPORT: part of the input could not be assessed; the requirements it bears on are not assessed.", 10))
		for _, why := range r.Incomplete {
			doc.Add(para("- "+why, 9))
		}
	}

	doc.Add(heading("Summary"))
	doc.Add(para(fmt.Sprintf("%d finding(s) on %d resource(s) in %d file(s), %d rule(s) applied; %d waived, %d not assessed.", s.Findings, s.Resources, s.Files, s.Rules, s.Waived, s.NotAssessed), 9))
	var sevRow []string
	var sevHead []string
	for _, k := range []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"} {
		sevHead = append(sevHead, k)
		sevRow = append(sevRow, fmt.Sprint(s.BySeverity[k]))
	}
	doc.Add(table([]float64{100, 100, 100, 100, 100}, sevHead, [][]string{sevRow}))
	var nsRows [][]string
	for _, k := range sortedKeys(s.ByNamespace) {
		nsRows = append(nsRows, []string{k, fmt.Sprint(s.ByNamespace[k])})
	}
	if len(nsRows) > 0 {
		doc.Add(para("Findings by namespace:", 9))
		doc.Add(table([]float64{250, 100}, []string{"Namespace", "Findings"}, nsRows))
	}

	doc.Add(heading("Scope (12.5.2, supports 11.4.5)"))
	for _, st := range r.Statements {
		if st.ID == "11.4.5" || st.ID == "scope" {
			doc.Add(para(st.Text, 9))
		}
	}
	if r.Scope.Conflicts > 0 {
		doc.Add(para(fmt.Sprintf("%d workload(s) declared out of scope are linked with the CDE by policy.", r.Scope.Conflicts), 9))
	}
	var scopeRows [][]string
	for _, l := range []struct {
		name string
		ws   []ScopedWorkload
	}{{"CDE", r.Scope.CDE}, {"connected-to", r.Scope.Connected}, {"out of scope", r.Scope.Out}} {
		for _, w := range l.ws {
			why := w.Reason
			if len(w.Via) > 0 {
				why += ": " + strings.Join(w.Via, "; ")
			}
			scopeRows = append(scopeRows, []string{w.Workload, cmpOr(w.Declared, "-"), l.name, why})
		}
	}
	doc.Add(table([]float64{130, 55, 65, 265}, []string{"Workload", "Declared", "Derived", "Why"}, scopeRows))

	doc.Add(heading("Segmentation graph"))
	doc.Add(para(fmt.Sprintf("%d allowed call(s) between %d node(s). Arrows point from caller to callee, labelled with port, protocol and effective mTLS mode: green STRICT, orange PERMISSIVE, red plaintext (DISABLE or no proxy); the CDE is red, connected-to workloads yellow.", len(r.Segmentation.Edges), len(r.Segmentation.Nodes)), 9))
	graph, err := SVG(ctx, r)
	if err != nil {
		return err
	}
	sv, err := svg.ParseBytes(graph)
	if err != nil {
		return fmt.Errorf("pdf: graph: %w", err)
	}
	width := min(sv.Width(), 515.0)
	doc.Add(layout.NewSVGElement(sv).SetSize(width, sv.Height()*width/sv.Width()).SetAltText("Segmentation graph"))

	doc.Add(heading("Requirements"))
	var reqRows [][]string
	for _, q := range r.Requirements {
		var checks []string
		for _, c := range q.Checks {
			checks = append(checks, c.Rule+" "+statusWord(c.Result))
		}
		detail := strings.Join(q.Evidence, "; ")
		if q.Reason != "" {
			detail = strings.TrimPrefix(q.Reason+"; "+detail, "; ")
		}
		if n := len(q.Findings); n > 0 {
			detail = strings.TrimSuffix(fmt.Sprintf("%d finding(s). %s", n, detail), " ")
		}
		reqRows = append(reqRows, []string{q.ID, q.Title, statusWord(q.Status), strings.Join(checks, ", "), detail})
	}
	doc.Add(table([]float64{38, 130, 52, 120, 175}, []string{"Req.", "Title", "Status", "Checks", "Evidence and findings"}, reqRows))
	for _, st := range r.Statements {
		if st.ID == "4.2.1" {
			doc.Add(para(st.Text, 8))
		}
	}

	doc.Add(heading("mTLS and authorization coverage"))
	c := r.Coverage
	doc.Add(table([]float64{255, 130, 130}, []string{"", "All workloads", "CDE"}, [][]string{
		{"Workload ports with effective mTLS STRICT", fmt.Sprintf("%d of %d (%.1f%%)", c.MTLS.Strict, c.MTLS.Ports, c.MTLS.Share*100), fmt.Sprintf("%d of %d (%.1f%%)", c.MTLS.CDEStrict, c.MTLS.CDEPorts, c.MTLS.CDEShare*100)},
		{"Workloads an ALLOW policy protects", fmt.Sprintf("%d of %d (%.1f%%)", c.Authorization.Covered, c.Authorization.Workloads, c.Authorization.Share*100), fmt.Sprintf("%d of %d (%.1f%%)", c.Authorization.CDECovered, c.Authorization.CDE, c.Authorization.CDEShare*100)},
	}))

	doc.Add(heading("Software inventory (6.3.2)"))
	line := statusWord(r.Inventory.Status) + ". " + r.Inventory.Reason
	if r.Inventory.ScannedAt != "" {
		line += " Scanned " + r.Inventory.ScannedAt + "."
	}
	doc.Add(para(line, 9))
	if len(r.Inventory.Images) > 0 {
		var rows [][]string
		for _, im := range r.Inventory.Images {
			var types []string
			for _, k := range sortedKeys(im.ByType) {
				types = append(types, fmt.Sprintf("%s %d", k, im.ByType[k]))
			}
			status := statusWord(im.Status)
			if im.Error != "" {
				status += ": " + im.Error
			}
			comp := fmt.Sprint(im.Components)
			if len(types) > 0 {
				comp += " (" + strings.Join(types, ", ") + ")"
			}
			rows = append(rows, []string{im.Ref, status, cmpOr(im.Digest, "-"), comp, fmt.Sprint(im.Vulnerabilities), strings.Join(im.SBOMs, " ")})
		}
		doc.Add(table([]float64{110, 70, 95, 80, 40, 120}, []string{"Image", "Status", "Digest", "Components", "Vulns", "SBOM (beside the report)"}, rows))
	}
	doc.Add(heading("Vulnerabilities (6.3.3)"))
	v := r.Vulnerabilities
	line = statusWord(v.Status) + ". " + v.Reason
	if v.FeedDate != "" {
		line += fmt.Sprintf(" Feed date (newest advisory) %s, feed %s, %d advisories.", v.FeedDate, v.Feed, v.Advisories)
	}
	doc.Add(para(line, 9))
	if len(v.Items) > 0 {
		var rows [][]string
		for _, it := range v.Items {
			id := it.ID
			if len(it.Aliases) > 0 {
				id += " (" + strings.Join(it.Aliases, ", ") + ")"
			}
			rows = append(rows, []string{id, it.Severity, it.Image, it.Package, it.Version, cmpOr(it.FixedIn, "-")})
		}
		doc.Add(table([]float64{110, 50, 130, 80, 70, 75}, []string{"Advisory", "Severity", "Image", "Package", "Installed", "Fixed in"}, rows))
	}

	doc.Add(heading("Waivers and compensating controls"))
	if len(r.Waivers) == 0 {
		doc.Add(para("No waiver.", 9))
	} else {
		var rows [][]string
		for _, wv := range r.Waivers {
			rows = append(rows, []string{wv.Rule, cmpOr(wv.Resource, wv.Fingerprint), cmpOr(wv.Owner, "-"), wv.Reason, cmpOr(wv.Expires, "-"), statusWord(wv.Status)})
		}
		doc.Add(table([]float64{50, 120, 95, 130, 60, 60}, []string{"Rule", "Resource", "Owner", "Reason", "Expires", "Status"}, rows))
	}

	doc.Add(heading("Findings"))
	var fRows [][]string
	for _, f := range r.Findings {
		sev := f.Severity.String()
		switch {
		case f.Waived:
			sev += " (waived)"
		case f.NotAssessed != "":
			sev += " (not assessed)"
		}
		fRows = append(fRows, []string{f.RuleID, sev, f.Resource.String(), f.Message, fmt.Sprintf("%s:%d", f.File, f.Line)})
	}
	if len(fRows) > 0 {
		doc.Add(table([]float64{45, 55, 110, 205, 100}, []string{"Rule", "Severity", "Resource", "Message", "Where"}, fRows))
	} else {
		doc.Add(para("No finding.", 9))
	}

	doc.Add(heading("Statements"))
	for _, st := range r.Statements {
		doc.Add(para(st.Text, 9))
	}
	doc.Add(heading("Integrity"))
	doc.Add(para(fmt.Sprintf("Tool meshproof %s; generated %s; rule pack %s.", r.Integrity.Tool, r.Integrity.Generated, r.Integrity.RulePack), 9))
	if len(r.Integrity.Shards) > 0 {
		doc.Add(para("Merged shards: "+strings.Join(r.Integrity.Shards, ", "), 9))
	}
	var inRows [][]string
	for _, in := range r.Integrity.Inputs {
		inRows = append(inRows, []string{in.Path, in.SHA256, fmt.Sprint(in.Bytes)})
	}
	doc.Add(table([]float64{180, 285, 50}, []string{"Input file", "SHA-256", "Bytes"}, inRows))
	if _, err := doc.WriteToWithContext(ctx, w, document.WriteOptions{}); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

func statusWord(s string) string { return cmpOr(htmlFuncs["statusText"].(func(string) string)(s), s) }
