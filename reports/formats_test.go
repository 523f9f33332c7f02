package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshproof/meshproof/internal/schematest"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// exampleReport checks the shipped mistakes example from the repository
// root (so that paths are repository-relative, as in CI), with one waiver
// in force, one expired and one unused, at a fixed time.
func exampleReport(t *testing.T) *rules.Report {
	t.Helper()
	t.Chdir("..")
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	eng, err := engine.New(ctx, engine.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(ctx, check.Options{
		Paths:  []string{"examples/payments/mistakes"},
		Engine: eng,
		Now:    now,
		Waivers: []rules.Waiver{
			{Rule: "K8S-09", Resource: "Deployment/payments/payments-api", Owner: "release@example.com", Reason: "pinned by the release pipeline", Expires: "2026-12-31"},
			{Rule: "SCOPE-01", Resource: "Namespace/shop", Owner: "platform@example.com", Reason: "scope review pending", Expires: "2026-05-31"},
			{Rule: "K8S-01", Resource: "Deployment/shop/legacy", Owner: "platform@example.com", Reason: "gone", Expires: "2026-12-31"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep.Tool = "0.0.0-test"
	return rep
}

// TestGolden renders the shipped example in every format and compares it
// with testdata/golden (JSON compared as data). Refresh with -update.
func TestGolden(t *testing.T) {
	rep := exampleReport(t)
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			f, err := ForName(name, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := f.Format(&buf, rep); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("reports", "testdata", "golden", "mistakes."+name)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if name == "json" || name == "sarif" {
				var a, b any
				if err := json.Unmarshal(want, &a); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(buf.Bytes(), &b); err != nil {
					t.Fatalf("output is not JSON: %v", err)
				}
				if diff := cmp.Diff(a, b); diff != "" {
					t.Errorf("%s differs from %s (-golden +got):\n%s", name, path, diff)
				}
				return
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s differs from %s (-golden +got):\n%s", name, path, diff)
			}
		})
	}
}

// toolsDir is where .ci/tools.sh puts peer tools.
func toolsDir(t *testing.T) string {
	if d := os.Getenv("MESHPROOF_TOOLS"); d != "" {
		return d
	}
	d, err := filepath.Abs(filepath.Join("..", ".tools"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSARIFValid checks the SARIF output against the SARIF 2.1.0 JSON schema
// (testdata/schemas), then with the rule-based checks of Microsoft's SARIF
// multitool (SARIF1xxx/2xxx: what viewers and GitHub rely on beyond the
// schema), which .ci/tools.sh fetches from npm; that part skips with a
// message without it.
func TestSARIFValid(t *testing.T) {
	schemaPath, _ := filepath.Abs(filepath.Join("testdata", "schemas", "sarif-2.1.0.json"))
	multitool := filepath.Join(toolsDir(t), "sarif-multitool", "package", "Sarif.Multitool")
	rep := exampleReport(t) // changes to the repository root
	var buf bytes.Buffer
	if err := (SARIF{}).Format(&buf, rep); err != nil {
		t.Fatal(err)
	}
	sch := schematest.Compile(t, schemaPath)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("SARIF output does not match the SARIF 2.1.0 schema: %v", err)
	}

	if _, err := os.Stat(multitool); err != nil {
		t.Skipf("the schema check passed; the SARIF multitool is not installed (%v): run .ci/tools.sh for its rule checks", err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "meshproof.sarif")
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "validation.sarif")
	cmd := exec.Command(multitool, "validate", in, "-o", out)
	cmd.Env = append(os.Environ(), "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Sarif.Multitool validate: %v\n%s", err, msg)
	}
	// The validator writes its own SARIF log: errors are results of level
	// error (a result without a level is a warning).
	var log struct {
		Runs []struct {
			Results []struct {
				Level   string `json:"level"`
				RuleID  string `json:"ruleId"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatal(err)
	}
	for _, run := range log.Runs {
		for _, r := range run.Results {
			if r.Level == "error" {
				t.Errorf("SARIF multitool: %s %s", r.RuleID, r.Message.Text)
			} else {
				t.Logf("SARIF multitool %s: %s %s", r.Level, r.RuleID, strings.TrimSpace(r.Message.Text))
			}
		}
	}
}

// TestJUnitValid checks the JUnit output against the JUnit XML schema in
// testdata/schemas with xmllint (Debian package libxml2-utils), and that the
// check catches a broken document.
func TestJUnitValid(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint is not installed (Debian package libxml2-utils; .ci/run installs it): the JUnit schema check did not run")
	}
	xsd, _ := filepath.Abs(filepath.Join("testdata", "schemas", "junit.xsd"))
	var buf bytes.Buffer
	if err := (JUnit{}).Format(&buf, exampleReport(t)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "meshproof.xml")
	bad := filepath.Join(dir, "broken.xml")
	if err := os.WriteFile(good, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	broken := bytes.Replace(buf.Bytes(), []byte("<testcase "), []byte("<testcas "), 1)
	if err := os.WriteFile(bad, broken, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, good).CombinedOutput(); err != nil {
		t.Errorf("xmllint --schema junit.xsd on the JUnit output: %v\n%s", err, out)
	}
	if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, bad).CombinedOutput(); err == nil {
		t.Errorf("xmllint accepted a JUnit document with a misspelt element:\n%s", out)
	}
}
