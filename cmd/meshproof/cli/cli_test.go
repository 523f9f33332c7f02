package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/meshproof/meshproof/rules"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"meshproof": func() {
			os.Exit(run(context.Background(), os.Args[1:], &env{
				stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
			}))
		},
	})
}

// TestScripts runs the end-to-end scripts in testdata/script: exit codes,
// output formats, configuration, waivers and malformed input, on the CLI as
// users run it.
func TestScripts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: filepath.Join("testdata", "script"),
		Setup: func(e *testscript.Env) error {
			e.Setenv("REPO", root)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// bigdoc FILE MIB writes a YAML document of MIB mebibytes.
			"bigdoc": func(ts *testscript.TestScript, neg bool, args []string) {
				var n int
				fmt.Sscan(args[1], &n)
				var b bytes.Buffer
				b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n")
				for i := 0; b.Len() < n<<20; i++ {
					fmt.Fprintf(&b, "  k%d: %s\n", i, strings.Repeat("v", 90))
				}
				ts.Check(os.WriteFile(ts.MkAbs(args[0]), b.Bytes(), 0o644))
			},
			// jsonreport FILE checks that FILE is a check report and prints
			// "findings=N blocking=N passed=B rules=R1,R2".
			"jsonreport": func(ts *testscript.TestScript, neg bool, args []string) {
				var r rules.Report
				if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &r); err != nil {
					ts.Fatalf("not a JSON report: %v", err)
				}
				var ids []string
				for _, f := range r.Findings {
					ids = append(ids, f.RuleID)
				}
				fmt.Fprintf(ts.Stdout(), "findings=%d blocking=%d passed=%v rules=%s\n", len(r.Findings), r.Summary.Blocking, r.Summary.Passed, strings.Join(ids, ","))
			},
		},
	})
}

// TestRunInProcess: Run works with buffers and reports exit codes without
// touching the process's streams.
func TestRunInProcess(t *testing.T) {
	ex := filepath.Join("..", "..", "..", "examples", "payments")
	tests := []struct {
		args []string
		want int
		out  string // substring of stdout
		err  string // substring of stderr
	}{
		{[]string{"check", filepath.Join(ex, "compliant")}, ExitOK, "PASS", ""},
		{[]string{"check", filepath.Join(ex, "mistakes")}, ExitFindings, "FAIL", ""},
		{[]string{"check", "--no-fail", filepath.Join(ex, "mistakes")}, ExitOK, "FAIL", ""},
		{[]string{"check", "--fail-on", "critical", filepath.Join(ex, "compliant")}, ExitOK, "PASS", ""},
		{[]string{"check", "--fail-on", "severe", filepath.Join(ex, "compliant")}, ExitError, "", "--fail-on"},
		{[]string{"check", "-o", "yaml", filepath.Join(ex, "compliant")}, ExitError, "", "unknown output format"},
		{[]string{"check"}, ExitError, "", "requires at least 1 arg"},
		{[]string{"check", "--bogus", "x"}, ExitError, "", "unknown flag"},
		{[]string{"check", "-"}, ExitOK, "0 findings in 1 resources", ""},
		{[]string{"version"}, ExitOK, "meshproof ", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			stdin := strings.NewReader("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\n")
			got := Run(context.Background(), tt.args, stdin, &stdout, &stderr)
			if got != tt.want {
				t.Errorf("Run(%q) = %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, got, tt.want, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.out) {
				t.Errorf("Run(%q) stdout = %q, want it to contain %q", tt.args, stdout.String(), tt.out)
			}
			if !strings.Contains(stderr.String(), tt.err) {
				t.Errorf("Run(%q) stderr = %q, want it to contain %q", tt.args, stderr.String(), tt.err)
			}
		})
	}
}

// TestDemo runs meshproof demo: check on the shipped mistakes, keys, the dev
// CA, gen, check on the result, verify, two proxies carrying a request over
// mTLS on loopback, and the signed report.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := Run(context.Background(), []string{"demo", "--dir", dir}, nil, &stdout, &stderr)
	out := stdout.String()
	if code != ExitOK {
		t.Fatalf("meshproof demo = exit %d\n%s\n%s", code, out, stderr.String())
	}
	for _, want := range []string{
		"FAIL", // the mistakes
		"PASS nothing at or above LOW",
		"OK   out/proxy/payments-db.yaml",
		"payments-db: SELECT count(*) FROM charges;",
		`"peer":"spiffe://corp.example/vm/settlement","decision":"allow"`,
		"OK   report/report.json",
		"DEMO PASSED",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"report/index.html", "report/report.pdf", "report/report.json.sigstore.json", "out/proxy/settlement.yaml.sigstore.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("demo did not write %s: %v", f, err)
		}
	}
	// A folder in use is refused.
	if code := Run(context.Background(), []string{"demo", "--dir", dir}, nil, &stdout, &stderr); code != ExitError {
		t.Errorf("meshproof demo on a non-empty folder = exit %d, want 2", code)
	}
}
