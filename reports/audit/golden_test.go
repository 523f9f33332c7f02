package audit

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// digests matches the SHA-256 digests in a rendered report (the rule
// pack's and the inputs'), which change whenever a rule or an example does.
var digests = regexp.MustCompile(`(sha256:)?[0-9a-f]{64}`)

// checkGolden compares got with testdata/golden/name (rewritten with -update).
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs from %s (-golden +got):\n%s", name, path, diff)
	}
}

// TestHTMLGolden: the HTML report of the shipped mistakes example, digests
// redacted, is testdata/golden/mistakes.html.
func TestHTMLGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(context.Background(), &buf, Build(exampleInput(t, "mistakes"))); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "mistakes.html", digests.ReplaceAll(buf.Bytes(), []byte("REDACTED")))
}

// TestPDFGolden: the text of the PDF report of the shipped mistakes
// example, as pdftotext -layout reads it (a PDF's bytes carry its creation
// time), digests redacted, is testdata/golden/mistakes.pdf.txt.
func TestPDFGolden(t *testing.T) {
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (Debian package poppler-utils; .ci/run installs it)")
	}
	var buf bytes.Buffer
	if err := WritePDF(context.Background(), &buf, Build(exampleInput(t, "mistakes"))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	checkGolden(t, "mistakes.pdf.txt", digests.ReplaceAll(out, []byte("REDACTED")))
}
