package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/meshproof/meshproof/reports/audit"
	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/check"
	"github.com/meshproof/meshproof/rules/engine"
)

var (
	exampleOnce sync.Once
	exampleRep  *audit.Report
)

// compliantReport builds the audit report of the shipped compliant example
// at a fixed time, once for all the examples.
func compliantReport() *audit.Report {
	exampleOnce.Do(func() {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		eng, err := engine.New(ctx, engine.Options{Now: now})
		if err != nil {
			panic(err)
		}
		paths := []string{"../../examples/payments/compliant"}
		res, err := check.Analyze(ctx, check.Options{Paths: paths, Engine: eng, Now: now})
		if err != nil {
			panic(err)
		}
		inputs, err := check.HashInputs(paths, nil)
		if err != nil {
			panic(err)
		}
		digest, err := check.PackDigest(false, nil, nil, rules.RuleSettings{})
		if err != nil {
			panic(err)
		}
		exampleRep = audit.Build(audit.Input{
			Check: res.Report, Model: res.Model, Objects: res.Objects, Inputs: inputs,
			RulePack: digest, Tool: "1.0.0", Now: now,
		})
	})
	return exampleRep
}

// Build the audit report of a check: requirement statuses, the scope the
// policies imply, and mTLS coverage. Without an image scan (Input.Scan),
// the inventory is not assessed.
func ExampleBuild() {
	rep := compliantReport()
	s := rep.Summary.Requirements
	fmt.Printf("%s: %d pass, %d fail, %d not assessed\n", rep.Status, s[audit.StatusPass], s[audit.StatusFail], s[audit.StatusNotAssessed])
	for _, w := range rep.Scope.CDE {
		fmt.Println("CDE:", w.Workload)
	}
	for _, w := range rep.Scope.Connected {
		fmt.Printf("connected-to: %s (%s)\n", w.Workload, w.Reason)
	}
	fmt.Printf("mTLS STRICT on %d of %d CDE port(s)\n", rep.Coverage.MTLS.CDEStrict, rep.Coverage.MTLS.CDEPorts)
	fmt.Println("inventory:", rep.Inventory.Status, "-", rep.Inventory.Reason)
	// Output:
	// pass: 26 pass, 0 fail, 9 not assessed
	// CDE: Deployment/payments/payments-api
	// connected-to: Deployment/istio-egress/istio-egressgateway (declared)
	// connected-to: Deployment/shop/frontend (reaches the CDE)
	// mTLS STRICT on 1 of 1 CDE port(s)
	// inventory: not_assessed - no image scan was run
}

// Write the report as JSON (schema: docs/schemas/audit-report.json).
func ExampleWriteJSON() {
	var buf bytes.Buffer
	if err := audit.WriteJSON(&buf, compliantReport()); err != nil {
		panic(err)
	}
	var doc struct {
		Format       string `json:"format"`
		Status       string `json:"status"`
		Complete     bool   `json:"complete"`
		Requirements []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"requirements"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		panic(err)
	}
	fmt.Println(doc.Format, doc.Status, doc.Complete)
	for _, r := range doc.Requirements {
		if r.ID == "11.4.5" || r.ID == "12.5.2" {
			fmt.Println(r.ID, r.Status)
		}
	}
	// Output:
	// meshproof.dev/audit-report/v1 pass true
	// 11.4.5 pass
	// 12.5.2 pass
}

// Write the report as one self-contained HTML page, with the segmentation
// graph as inline SVG.
func ExampleWriteHTML() {
	var buf bytes.Buffer
	if err := audit.WriteHTML(context.Background(), &buf, compliantReport()); err != nil {
		panic(err)
	}
	page := buf.String()
	fmt.Println("sections:", strings.Count(page, "<section id="))
	fmt.Println("graph:", strings.Count(page, "<svg "), "svg,", strings.Count(page, `class="node scope-cde"`), "CDE node(s)")
	fmt.Println("scripts:", strings.Count(page, "<script"))
	// Output:
	// sections: 11
	// graph: 1 svg, 1 CDE node(s)
	// scripts: 0
}

// Write the report as PDF.
func ExampleWritePDF() {
	var buf bytes.Buffer
	if err := audit.WritePDF(context.Background(), &buf, compliantReport()); err != nil {
		panic(err)
	}
	fmt.Println(bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")), bytes.Contains(buf.Bytes(), []byte("%%EOF")))
	// Output:
	// true true
}

// Merge the JSON results of a sharded check (meshproof check --shard i/n)
// into one check result; shards that do not fit together are refused.
func ExampleMergeShards() {
	shard := func(i int, file string, findings ...rules.Finding) *rules.Report {
		return &rules.Report{
			Findings: findings,
			Summary:  rules.Summary{Files: 1, Resources: 1, FailOn: rules.Low},
			Shard:    &rules.Shard{Index: i, Count: 2, Files: []string{file}},
			Inputs:   []rules.InputFile{{Path: "a.yaml", SHA256: "aa"}, {Path: "b.yaml", SHA256: "bb"}},
			RulePack: "sha256:pack",
		}
	}
	f := rules.Finding{RuleID: "K8S-01", Severity: rules.High, Resource: rules.Resource{Kind: "Deployment", Namespace: "shop", Name: "web"}, Fingerprint: "f1"}
	merged, err := audit.MergeShards([]*rules.Report{shard(1, "a.yaml", f), shard(2, "b.yaml")})
	if err != nil {
		panic(err)
	}
	fmt.Println(merged.Summary.Findings, "finding(s),", merged.Summary.Files, "file(s), passed:", merged.Summary.Passed)
	_, err = audit.MergeShards([]*rules.Report{shard(1, "a.yaml", f)})
	fmt.Println(err)
	// Output:
	// 1 finding(s), 2 file(s), passed: false
	// merge: shard 2/2 is missing
	// merge: input b.yaml is in no shard
}
