package audit

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPDF writes the PDF report of the shipped mistakes example, opens it
// with pdftotext (poppler-utils) and checks that it holds the requirement
// table, the scope, the statements the issue requires and the integrity
// digests.
func TestPDF(t *testing.T) {
	rep := Build(exampleInput(t, "mistakes"))
	var buf bytes.Buffer
	if err := WritePDF(context.Background(), &buf, rep); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
		t.Fatalf("output does not start with %%PDF-: %q", buf.Bytes()[:min(buf.Len(), 16)])
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (Debian package poppler-utils; .ci/run installs it)")
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{
		"Requirements", "Req.", "Status", "Checks",
		"Segmentation graph", "Scope (12.5.2, supports 11.4.5)", "Integrity",
		"does not replace the penetration test", "open, public networks only",
		"no image scan was run", "scope review pending", rep.Integrity.Inputs[0].Path,
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	// Every requirement of the catalog is a row with its status.
	for _, r := range rep.Requirements {
		row := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(r.ID) + `\s.*(pass|fail|not)\b`)
		if !row.MatchString(text) {
			t.Errorf("the PDF's requirement table has no row %s with its status (%s)", r.ID, r.Status)
		}
	}
	if !strings.Contains(text, "payments-api") {
		t.Error("the PDF's graph and scope lack the CDE workload payments-api")
	}
}
