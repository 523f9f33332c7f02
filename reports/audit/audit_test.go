package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
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
	return schematest.Compile(t, filepath.Join("..", "..", "docs", "schemas", "audit-report.json"))
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

// TestRulesCiteCatalogRequirements: every PCI DSS ID a built-in rule cites
// is described by the report's requirement catalog (else the report would
// drop the finding's requirement); and the mapping refuses one that is not.
func TestRulesCiteCatalogRequirements(t *testing.T) {
	eng, err := engine.New(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rs := check.Rules(eng)
	if missing := UnmappedPCI(rs); len(missing) > 0 {
		t.Errorf("rules cite PCI DSS IDs the catalog lacks: %v", missing)
	}
	var buf bytes.Buffer
	if err := MappingMarkdown(&buf, rs); err != nil || !strings.Contains(buf.String(), "| **12.5.2** ") {
		t.Errorf("MappingMarkdown = %v, output lacks 12.5.2", err)
	}
	bad := append(rs, rules.Rule{ID: "X-1", PCI: []string{"99.9"}})
	if err := MappingMarkdown(io.Discard, bad); err == nil || !strings.Contains(err.Error(), "99.9") {
		t.Errorf("MappingMarkdown with a rule citing 99.9 = %v, want an error naming it", err)
	}
}
