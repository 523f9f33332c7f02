package audit

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/scanner/inventory"
)

// scanInput is the compliant example with an image scan: one image
// scanned (an SBOM beside the report, a HIGH vulnerability), and, when
// failed is set, one that could not be scanned.
func scanInput(t *testing.T, failed bool) Input {
	in := exampleInput(t, "compliant")
	inv := &inventory.Report{
		Tool: "0.0.0-test", ScannedAt: testNow,
		Feed: &inventory.Feed{Path: "osv", Advisories: 12, Ecosystems: []string{"npm"}, Date: time.Date(2026, 5, 30, 8, 0, 0, 0, time.UTC)},
		Images: []inventory.Image{{
			Reference: "registry.example.com/shop/ui:1.0", Source: "registry", Digest: "sha256:" + strings.Repeat("ab", 32), Platform: "linux/amd64",
			Components: 3, Packages: []inventory.Component{{Name: "musl", Type: "apk"}, {Name: "busybox", Type: "apk"}, {Name: "lodash", Type: "npm"}},
			Uses:            []inventory.Use{{Resource: "Deployment/shop/frontend", Container: "app", File: "shop.yaml", Line: 20}},
			Vulnerabilities: []inventory.Vulnerability{{ID: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, Package: "lodash", Installed: "4.17.20", Fixed: "4.17.21", Severity: "HIGH"}},
		}},
	}
	sboms := [][]string{{"sbom/registry.example.com_shop_ui_1.0-abababababab.cdx.json"}}
	var findings []rules.Finding
	if failed {
		inv.Images = append(inv.Images, inventory.Image{Reference: "registry.example.com/payments/api:2", Source: "registry", Error: "GET https://registry.example.com/v2/: connection refused", Uses: []inventory.Use{}})
		sboms = append(sboms, nil)
		r := rules.Resource{APIVersion: "meshproof.dev/v1alpha1", Kind: "Image", Name: "registry.example.com/payments/api"}
		findings = append(findings, rules.Finding{RuleID: "SCAN-01", Severity: rules.High, Resource: r, PCI: []string{"6.3.2", "11.3.1"}, NotAssessed: "connection refused", Fingerprint: rules.Fingerprint("SCAN-01", r, "x")})
	}
	in.Scan = &Scan{Inventory: inv, SBOMs: sboms, Findings: findings, Rules: []rules.Rule{{ID: "SCAN-01", Title: "Image could not be scanned", PCI: []string{"6.3.2", "11.3.1"}, Input: "image"}}}
	return in
}

func requirementStatus(r *Report, id string) string {
	for _, q := range r.Requirements {
		if q.ID == id {
			return q.Status
		}
	}
	return ""
}

// TestScanCounts builds the report with an image scan and checks that the
// inventory, the vulnerabilities and the scan's findings count, that an
// image that could not be scanned makes the report incomplete and leaves
// the scan requirements not assessed, and that every format shows it.
func TestScanCounts(t *testing.T) {
	sch := compileSchema(t)
	for _, tt := range []struct {
		name                   string
		failed                 bool
		status, s632, s633, s1 string
	}{
		{"scanned", false, StatusFail, StatusPass, StatusFail, StatusPass},
		{"one failed", true, StatusFail, StatusNotAssessed, StatusFail, StatusNotAssessed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := Build(scanInput(t, tt.failed))
			if rep.Status != tt.status || rep.Complete == tt.failed {
				t.Errorf("status %s complete %v, want %s %v (%v)", rep.Status, rep.Complete, tt.status, !tt.failed, rep.Incomplete)
			}
			for id, want := range map[string]string{"6.3.2": tt.s632, "6.3.3": tt.s633, "11.3.1": tt.s1} {
				if got := requirementStatus(rep, id); got != want {
					t.Errorf("requirement %s = %s, want %s", id, got, want)
				}
			}
			im := rep.Inventory.Images[0]
			if im.Status != ImageScanned || im.ByType["apk"] != 2 || im.ByType["npm"] != 1 || len(im.SBOMs) != 1 || im.Vulnerabilities != 1 {
				t.Errorf("image %+v, want scanned, apk 2, npm 1, one SBOM, one vulnerability", im)
			}
			v := rep.Vulnerabilities
			if v.FeedDate != "2026-05-30" || v.BySeverity["HIGH"] != 1 || v.Items[0].FixedIn != "4.17.21" || v.Items[0].Version != "4.17.20" {
				t.Errorf("vulnerabilities %+v", v)
			}
			if tt.failed && (len(rep.Incomplete) != 1 || !strings.Contains(rep.Incomplete[0], "registry.example.com/payments/api:2 could not be scanned") || rep.Inventory.Images[1].Status != ImageFailed) {
				t.Errorf("incomplete %v, images %+v", rep.Incomplete, rep.Inventory.Images)
			}
			var js bytes.Buffer
			if err := WriteJSON(&js, rep); err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(js.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("report does not match its schema: %v", err)
			}
			var page bytes.Buffer
			if err := WriteHTML(context.Background(), &page, rep); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{`href="sbom/registry.example.com_shop_ui_1.0-abababababab.cdx.json"`, "GHSA-35jh-r3h4-6jhm", "CVE-2021-23337", "2026-05-30", "Deployment/shop/frontend"} {
				if !strings.Contains(page.String(), want) {
					t.Errorf("the HTML lacks %q", want)
				}
			}
			if got := strings.Contains(page.String(), "Incomplete report"); got != tt.failed {
				t.Errorf("the HTML says Incomplete report: %v, want %v", got, tt.failed)
			}
			pdftotext, err := exec.LookPath("pdftotext")
			if err != nil {
				return
			}
			var pdf bytes.Buffer
			if err := WritePDF(context.Background(), &pdf, rep); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "r.pdf")
			if err := os.WriteFile(path, pdf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(pdftotext, path, "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			for _, want := range []string{"GHSA-35jh-r3h4-6jhm", "4.17.21", "Feed date (newest advisory) 2026-05-30"} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF lacks %q", want)
				}
			}
			if got := strings.Contains(text, "INCOMPLETE REPORT"); got != tt.failed {
				t.Errorf("the PDF says INCOMPLETE REPORT: %v, want %v", got, tt.failed)
			}
		})
	}
}
