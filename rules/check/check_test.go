package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshproof/meshproof/bench/synth"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/engine"
)

func newEngine(t testing.TB) *engine.Engine {
	t.Helper()
	e, err := engine.New(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func writeFile(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const cdeMesh = `apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: {meshproof.dev/pci-scope: cde, istio-injection: enabled}
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {meshproof.dev/pci-scope: connected, istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: legacy, namespace: payments}
spec:
  mtls: {mode: DISABLE}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: legacy, namespace: shop}
spec:
  mtls: {mode: DISABLE}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: typo, namespace: shop}
spec:
  mtls: {mdoe: STRICT}
`

// TestRunSeverityAndSchema: a rule with cde_raise is one level higher in the
// CDE; schema problems are findings with the line of the bad field.
func TestRunSeverityAndSchema(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "mesh.yaml", cdeMesh)
	rep, err := Run(context.Background(), Options{Paths: []string{f}, Engine: newEngine(t)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]rules.Severity{}
	var schemaLine int
	for _, fd := range rep.Findings {
		if fd.RuleID == "MTLS-03" {
			got[fd.Resource.Namespace] = fd.Severity
		}
		if fd.RuleID == SchemaRule.ID {
			schemaLine = fd.Line
		}
	}
	if got["payments"] != rules.Critical || got["shop"] != rules.High {
		t.Errorf("MTLS-03 severities = %v, want CRITICAL in the CDE (payments), HIGH outside (shop)", got)
	}
	if schemaLine != 29 {
		t.Errorf("schema finding on line %d, want 29 (mdoe)", schemaLine)
	}
	if rep.Summary.Passed || rep.Summary.Resources != 5 || rep.Summary.Files != 1 {
		t.Errorf("summary = %+v", rep.Summary)
	}
}

// TestRunFingerprintsStable: reformatting and reordering the YAML keeps
// every fingerprint.
func TestRunFingerprintsStable(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.yaml", cdeMesh)
	b := writeFile(t, dir, "b.json", `{"kind":"PeerAuthentication","apiVersion":"security.istio.io/v1","spec":{"mtls":{"mdoe":"STRICT"}},"metadata":{"namespace":"shop","name":"typo"}}`)
	c := writeFile(t, dir, "c.yaml", `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {namespace: shop, name: legacy}
spec: {mtls: {mode: "DISABLE"}}
---
apiVersion: v1
kind: Namespace
metadata:
  labels: {istio-injection: enabled, meshproof.dev/pci-scope: connected}
  name: shop
`)
	e := newEngine(t)
	prints := func(paths ...string) map[string]bool {
		rep, err := Run(context.Background(), Options{Paths: paths, Engine: e})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, f := range rep.Findings {
			if f.Resource.Namespace == "shop" {
				out[f.RuleID+" "+f.Fingerprint] = true
			}
		}
		return out
	}
	full := prints(a)
	reordered := prints(c, b)
	for k := range reordered {
		if !full[k] {
			t.Errorf("finding %s of the reordered input has a fingerprint the original does not", k)
		}
	}
	rulesSeen := map[string]bool{}
	for k := range reordered {
		rulesSeen[strings.Fields(k)[0]] = true
	}
	if !rulesSeen["MTLS-03"] || !rulesSeen[SchemaRule.ID] {
		t.Errorf("reordered input findings %v, want MTLS-03 and %s among them", reordered, SchemaRule.ID)
	}
}

func TestRunWaivers(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "mesh.yaml", cdeMesh)
	ws := []rules.Waiver{
		{Rule: "MTLS-03", Resource: "PeerAuthentication/shop/legacy", Owner: "o", Reason: "r", Expires: "2026-06-30"},
		{Rule: "MTLS-03", Resource: "PeerAuthentication/payments/legacy", Owner: "o", Reason: "r", Expires: "2026-05-31"},
	}
	rep, err := Run(context.Background(), Options{
		Paths: []string{f}, Engine: newEngine(t), Waivers: ws, FailOn: rules.Critical,
		Now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range rep.Findings {
		if fd.RuleID != "MTLS-03" {
			continue
		}
		wantWaived := fd.Resource.Namespace == "shop"
		if fd.Waived != wantWaived || fd.Waiver == nil {
			t.Errorf("%s waived = %v (waiver %v), want %v", fd.Resource, fd.Waived, fd.Waiver, wantWaived)
		}
	}
	if len(rep.Waivers) != 1 || rep.Waivers[0].Status != "expired" {
		t.Errorf("waiver statuses = %+v, want one expired", rep.Waivers)
	}
	// The expired waiver leaves the CRITICAL finding in payments blocking.
	if rep.Summary.Passed || rep.Summary.Blocking != 1 {
		t.Errorf("summary = %+v, want 1 blocking", rep.Summary)
	}
}

// BenchmarkCheck measures the whole pipeline (load, schema, model, rules) on
// a synthetic mesh of about 2,000 documents and reports documents per second.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	m := synth.Mesh{Namespaces: 20, Workloads: 24}
	docs, err := m.Write(dir)
	if err != nil {
		b.Fatal(err)
	}
	e := newEngine(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Run(context.Background(), Options{Paths: []string{dir}, Engine: e}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(docs*b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkOneFile measures what a pre-commit hook's run costs apart from
// starting the process: building the engine (parsing and compiling the
// pack) and checking one file of the shipped example.
func BenchmarkOneFile(b *testing.B) {
	file := filepath.Join("..", "..", "examples", "payments", "compliant", "payments.yaml")
	for b.Loop() {
		rep, err := Run(context.Background(), Options{Paths: []string{file}, Engine: newEngine(b)})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Summary.Resources == 0 {
			b.Fatal("no resources checked")
		}
	}
}
