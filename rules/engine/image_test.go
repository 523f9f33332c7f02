package engine

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/scanner"
)

// TestImageRuleSeverityFromResult: IMG-07 findings take the severity the
// advisory gives (the result's severity), and the rule's own severity when
// the advisory rates it nowhere.
func TestImageRuleSeverityFromResult(t *testing.T) {
	e := newTestEngine(t)
	objs, err := scanner.Load(context.Background(), []string{filepath.Join(fixtureDir, "IMG-07", "fail.yaml")}, scanner.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.Evaluate(context.Background(), objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]rules.Severity{}
	for _, f := range fs {
		if f.RuleID == "IMG-07" {
			got[f.Line] = f.Severity
		}
	}
	want := map[int]rules.Severity{12: rules.High, 20: rules.Medium}
	for line, sev := range want {
		if got[line] != sev {
			t.Errorf("IMG-07 finding on line %d has severity %v, want %v (all: %v)", line, got[line], sev, got)
		}
	}
	// A severity set in the configuration wins over the advisory's.
	e2, err := New(context.Background(), Options{Severity: map[string]rules.Severity{"IMG-07": rules.Critical}})
	if err != nil {
		t.Fatal(err)
	}
	fs, err = e2.Evaluate(context.Background(), objs, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		if f.RuleID == "IMG-07" {
			n++
			if f.Severity != rules.Critical {
				t.Errorf("IMG-07 finding on line %d with rules.severity IMG-07: critical has severity %v", f.Line, f.Severity)
			}
		}
	}
	if n == 0 {
		t.Error("no IMG-07 findings with the override")
	}
}
