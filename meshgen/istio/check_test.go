package istio_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/istio"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
)

var (
	engineOnce sync.Once
	eng        *engine.Engine
	engErr     error
)

// checkEngine is the built-in rule pack, compiled once per test binary.
func checkEngine(t *testing.T) *engine.Engine {
	t.Helper()
	engineOnce.Do(func() { eng, engErr = engine.New(context.Background(), engine.Options{}) })
	if engErr != nil {
		t.Fatal(engErr)
	}
	return eng
}

// writeFiles writes generated files (and extra manifests) to a new folder.
func writeFiles(t *testing.T, files []istio.File, extra map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range extra {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runCheck runs meshproof's check pipeline in-process on dir, as
// `meshproof check` does, with the given trust domain (empty: the
// default, cluster.local, as a plain `meshproof check out/istio` runs) and
// root namespace (istio-system unless given; .meshproof.yaml sets both).
func runCheck(t *testing.T, dir, trustDomain string, rootNamespace ...string) *rules.Report {
	t.Helper()
	cfg := rules.DefaultConfig()
	if trustDomain != "" {
		cfg.TrustDomain = trustDomain
	}
	if len(rootNamespace) > 0 {
		cfg.RootNamespace = rootNamespace[0]
	}
	rep, err := check.Run(context.Background(), check.Options{Paths: []string{dir}, Engine: checkEngine(t), Config: cfg})
	if err != nil {
		t.Fatalf("check.Run(%s) = %v", dir, err)
	}
	return rep
}

// failing returns the findings that are not "not assessed" (at any
// severity) and the rule IDs of the not-assessed ones.
func failing(rep *rules.Report) (fails []string, notAssessed []string) {
	for _, f := range rep.Findings {
		if f.NotAssessed != "" {
			notAssessed = append(notAssessed, f.RuleID)
			continue
		}
		fails = append(fails, fmt.Sprintf("%s %s %s %s:%d: %s", f.RuleID, f.Severity, f.Resource, filepath.Base(f.File), f.Line, f.Message))
	}
	return fails, notAssessed
}

// notAssessedAllowed are the rules that may stay not assessed on gen's
// output: the TLS Secrets of the ingress gateway are the user's (from
// cert-manager or a vault), never generated.
var notAssessedAllowed = map[string]bool{"GW-08": true}

func assertCompliant(t *testing.T, rep *rules.Report, context string) {
	t.Helper()
	fails, na := failing(rep)
	if len(fails) > 0 {
		t.Errorf("%s: %d findings:\n%s", context, len(fails), strings.Join(fails, "\n"))
	}
	for _, id := range na {
		if !notAssessedAllowed[id] {
			t.Errorf("%s: %s not assessed: gen's output should hold what it needs", context, id)
		}
	}
	if rep.Summary.Blocking != 0 || !rep.Summary.Passed {
		t.Errorf("%s: summary %+v, want passed with 0 blocking", context, rep.Summary)
	}
}

// TestPaymentsPassesCheck: the payments example's manifests have zero
// findings from the rule pack, alone and together with the workloads
// they are for, under the intent's trust domain and under check's default.
func TestPaymentsPassesCheck(t *testing.T) {
	in := payments(t)
	files, err := istio.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	alone := writeFiles(t, files, nil)
	withWorkloads := writeFiles(t, files, map[string][]byte{"workloads.yaml": workloads(in)})
	for _, td := range []string{"", in.Spec.TrustDomain} {
		rep := runCheck(t, alone, td)
		assertCompliant(t, rep, "payments (trust domain "+td+")")
		if rep.Summary.Resources < 40 {
			t.Errorf("check read %d resources, want the whole output", rep.Summary.Resources)
		}
		rep = runCheck(t, withWorkloads, td)
		assertCompliant(t, rep, "payments with workloads (trust domain "+td+")")
	}
}

// TestCheckCatchesBrokenOutput makes sure the check above can fail: the
// same output with the mesh-wide STRICT policy removed, or a CDE namespace
// left without default deny, has findings.
func TestCheckCatchesBrokenOutput(t *testing.T) {
	in := payments(t)
	files, err := istio.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	edits := map[string]struct {
		file, old, new, rule string
	}{
		"no STRICT":    {"mesh.yaml", "mode: STRICT", "mode: PERMISSIVE", "MTLS-01"},
		"no deny-all":  {"ns-payments.yaml", "name: deny-all", "name: deny-all\n  annotations: {istio.io/dry-run: \"true\"}", "AUTHZ-01"},
		"wildcard":     {"ns-payments.yaml", "- corp.example/ns/shop/sa/frontend", "- \"*\"", "AUTHZ-06"},
		"no scope":     {"namespaces.yaml", "meshproof.dev/pci-scope: connected\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments", "x: y\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: payments", "SCOPE-01"},
		"egress open":  {"ns-istio-egress.yaml", "- corp.example/ns/payments/sa/payments-api", "- \"*\"", "AUTHZ-06"},
		"no redirect":  {"ns-istio-ingress.yaml", "httpsRedirect: true", "httpsRedirect: false", "GW-01"},
		"old TLS":      {"ns-istio-ingress.yaml", "TLSV1_2", "TLSV1_0", "GW-02"},
		"typo in spec": {"ns-payments.yaml", "outboundTrafficPolicy:", "outboundTraficPolicy:", "SCHEMA-01"},
	}
	for name, e := range edits {
		t.Run(name, func(t *testing.T) {
			var edited []istio.File
			found := false
			for _, f := range files {
				if f.Name == e.file {
					if !strings.Contains(string(f.Data), e.old) {
						t.Fatalf("%s does not contain %q", e.file, e.old)
					}
					f.Data, found = []byte(strings.Replace(string(f.Data), e.old, e.new, 1)), true
				}
				edited = append(edited, f)
			}
			if !found {
				t.Fatalf("no file %s", e.file)
			}
			fails, _ := failing(runCheck(t, writeFiles(t, edited, nil), in.Spec.TrustDomain))
			if !strings.Contains(strings.Join(fails, "\n"), e.rule+" ") {
				t.Errorf("edit %q: findings %v, want %s", name, fails, e.rule)
			}
		})
	}
}

func payments(t *testing.T) *intent.Intent { return paymentsB(t) }

func paymentsB(t testing.TB) *intent.Intent {
	t.Helper()
	path := filepath.Join("..", "..", "examples", "payments", "intent.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := intent.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return in
}
