package reports

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshproof/meshproof/internal/schematest"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
)

// TestJSONMatchesSchema checks the JSON report of the shipped mistakes
// example (with a waiver, an expired waiver and an unused one) against the
// published schema in docs/schemas.
func TestJSONMatchesSchema(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := check.Run(ctx, check.Options{
		Paths:  []string{filepath.Join("..", "examples", "payments", "mistakes")},
		Engine: eng,
		Waivers: []rules.Waiver{
			{Rule: "K8S-01", Resource: "Deployment/payments/payments-api", Owner: "o", Reason: "r", Expires: "2999-01-01"},
			{Rule: "SCOPE-01", Resource: "Namespace/shop", Owner: "o", Reason: "r", Expires: "2000-01-01"},
			{Rule: "MTLS-03", Fingerprint: "00000000000000000000000000000000", Owner: "o", Reason: "r", Expires: "2999-01-01"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := (JSON{}).Format(&buf, rep); err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	schemaPath := filepath.Join("..", "docs", "schemas", "check-result.json")
	sch := schematest.Compile(t, schemaPath)
	if err := sch.Validate(doc); err != nil {
		t.Errorf("JSON report does not match %s: %v", schemaPath, err)
	}
	var back rules.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Findings) == 0 || back.Summary.Waived != 1 || len(back.Waivers) != 2 {
		t.Errorf("report has %d findings, %d waived, %d waiver statuses; want findings, 1 waived, 2 statuses", len(back.Findings), back.Summary.Waived, len(back.Waivers))
	}
}
