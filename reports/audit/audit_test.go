package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// exampleInput checks a shipped example from the repository root (so that
// paths are repository-relative, as in CI), with one waiver in force, one
// expired and one unused, at a fixed time.
func exampleInput(t testing.TB, example string) Input {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{filepath.Join("examples", "payments", example)}
	res, err := check.Analyze(ctx, check.Options{
		Paths:  paths,
		Engine: eng,
		Now:    testNow,
		Waivers: []rules.Waiver{
			{Rule: "K8S-09", Resource: "Deployment/payments/payments-api", Owner: "release@example.com", Reason: "pinned by the release pipeline", Expires: "2026-12-31", Source: ".meshproof-waivers.yaml:2"},
			{Rule: "SCOPE-01", Resource: "Namespace/shop", Owner: "platform@example.com", Reason: "scope review pending", Expires: "2026-05-31", Source: ".meshproof-waivers.yaml:8"},
			{Rule: "K8S-01", Resource: "Deployment/shop/legacy", Owner: "platform@example.com", Reason: "gone", Expires: "2026-12-31", Source: ".meshproof-waivers.yaml:14"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := check.HashInputs(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := check.PackDigest(false, nil, nil, rules.RuleSettings{})
	if err != nil {
		t.Fatal(err)
	}
	return Input{Check: res.Report, Model: res.Model, Objects: res.Objects, Inputs: inputs, RulePack: digest, Tool: "0.0.0-test", Now: testNow}
}

// redact blanks what changes whenever the rule pack or an example changes
// without changing the report's meaning: digests.
func redact(t testing.TB, data []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	in := v["integrity"].(map[string]any)
	in["rule_pack"] = "REDACTED"
	for _, f := range in["inputs"].([]any) {
		f.(map[string]any)["sha256"] = "REDACTED"
		f.(map[string]any)["bytes"] = float64(0)
	}
	return v
}

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join("..", "..", "docs", "schemas", "audit-report.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("audit-report.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("audit-report.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestJSONGolden compares the report of the shipped mistakes example with
// testdata/golden/mistakes.json (digests redacted) and validates it, and
// the compliant example's, against the published schema.
func TestJSONGolden(t *testing.T) {
	sch := compileSchema(t)
	for _, ex := range []string{"mistakes", "compliant"} {
		t.Run(ex, func(t *testing.T) {
			rep := Build(exampleInput(t, ex))
			var buf bytes.Buffer
			if err := WriteJSON(&buf, rep); err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("report does not match docs/schemas/audit-report.json: %v", err)
			}
			path := filepath.Join("testdata", "golden", ex+".json")
			got := redact(t, buf.Bytes())
			if *update {
				out, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			var want any
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("report differs from %s (-golden +got):\n%s", path, diff)
			}
		})
	}
}
