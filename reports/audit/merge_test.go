package audit

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/rules"
)

// shardOf is one shard of a check over a.yaml and b.yaml.
func shardOf(i, n int, files []string, findings ...rules.Finding) *rules.Report {
	return &rules.Report{
		Findings: findings,
		Summary:  rules.Summary{Files: len(files), Resources: len(files), Rules: 3, FailOn: rules.Low},
		Shard:    &rules.Shard{Index: i, Count: n, Files: files, Time: time.Date(2026, 6, 1, 12, i, 0, 0, time.UTC)},
		Inputs:   []rules.InputFile{{Path: "a.yaml", SHA256: "aa", Bytes: 1}, {Path: "b.yaml", SHA256: "bb", Bytes: 2}},
		RulePack: "sha256:pack", ToolVersion: "1.0.0",
	}
}

func finding(rule, name, fp string) rules.Finding {
	return rules.Finding{RuleID: rule, Severity: rules.High, Resource: rules.Resource{Kind: "Deployment", Namespace: "ns", Name: name}, Fingerprint: fp}
}

// TestMergeShards merges shards that fit and refuses each way they do not.
func TestMergeShards(t *testing.T) {
	unused := rules.Waiver{Rule: "K8S-01", Resource: "Deployment/ns/gone", Source: "w.yaml:1"}
	used := rules.Waiver{Rule: "K8S-02", Resource: "Deployment/ns/b", Source: "w.yaml:5"}
	expired := rules.Waiver{Rule: "K8S-03", Resource: "Deployment/ns/a", Source: "w.yaml:9", Expired: true}
	s1 := shardOf(1, 2, []string{"a.yaml"}, finding("K8S-03", "a", "f3"))
	s1.Waivers = []rules.WaiverStatus{{Waiver: unused, Status: "unused"}, {Waiver: used, Status: "unused"}, {Waiver: expired, Status: "expired", Matched: 1}}
	s2 := shardOf(2, 2, []string{"b.yaml"}, finding("K8S-02", "b", "f2"), finding("K8S-01", "b", "f1"))
	s2.Waivers = []rules.WaiverStatus{{Waiver: unused, Status: "unused"}, {Waiver: expired, Status: "expired", Matched: 2}}

	got, err := MergeShards([]*rules.Report{s2, s1})
	if err != nil {
		t.Fatalf("MergeShards(fitting shards) = %v", err)
	}
	var ids []string
	for _, f := range got.Findings {
		ids = append(ids, f.Fingerprint)
	}
	if diff := cmp.Diff([]string{"f1", "f2", "f3"}, ids); diff != "" {
		t.Errorf("merged findings (-want +got):\n%s", diff)
	}
	// unused stays unused only when no shard used it; expired adds up.
	var gotWaivers []string
	for _, w := range got.Waivers {
		gotWaivers = append(gotWaivers, fmt.Sprintf("%s %s %s %d", w.Waiver.Rule, w.Waiver.Resource, w.Status, w.Matched))
	}
	wantWaivers := []string{"K8S-01 Deployment/ns/gone unused 0", "K8S-03 Deployment/ns/a expired 3"}
	if diff := cmp.Diff(wantWaivers, gotWaivers); diff != "" {
		t.Errorf("merged waivers (-want +got):\n%s", diff)
	}
	if got.Summary.Findings != 3 || got.Summary.Files != 2 || got.Summary.Resources != 2 || got.Summary.Rules != 3 || got.Summary.Passed {
		t.Errorf("merged summary %+v, want 3 findings, 2 files, 2 resources, 3 rules, not passed", got.Summary)
	}
	if got.RulePack != "sha256:pack" || len(got.Inputs) != 2 || got.Shard != nil {
		t.Errorf("merged report: rule pack %q, %d inputs, shard %v", got.RulePack, len(got.Inputs), got.Shard)
	}
	if st := ShardsTime([]*rules.Report{s1, s2}); !st.Equal(time.Date(2026, 6, 1, 12, 2, 0, 0, time.UTC)) {
		t.Errorf("ShardsTime = %v, want the latest shard's, 12:02", st)
	}
	old := shardOf(1, 2, []string{"a.yaml"})
	old.Shard.Time = time.Time{}
	if st := ShardsTime([]*rules.Report{old, s2}); !st.IsZero() {
		t.Errorf("ShardsTime with a shard that records no time = %v, want zero", st)
	}

	changed := func(f func(r *rules.Report)) *rules.Report {
		r := shardOf(2, 2, []string{"b.yaml"})
		f(r)
		return r
	}
	tests := []struct {
		name   string
		shards []*rules.Report
		want   string
	}{
		{"none", nil, "no shard"},
		{"not sharded", []*rules.Report{s1, changed(func(r *rules.Report) { r.Shard = nil })}, "not from a sharded check"},
		{"missing", []*rules.Report{s1}, "shard 2/2 is missing"},
		{"twice", []*rules.Report{s1, s1, s2}, "shard 1/2 is given twice"},
		{"other count", []*rules.Report{s1, changed(func(r *rules.Report) { r.Shard.Count = 3 })}, "split into 3"},
		{"other rule pack", []*rules.Report{s1, changed(func(r *rules.Report) { r.RulePack = "sha256:other" })}, "ran rule pack sha256:other"},
		{"other digest", []*rules.Report{s1, changed(func(r *rules.Report) { r.Inputs[1].SHA256 = "cc" })}, "read b.yaml with sha256 cc"},
		{"other inputs", []*rules.Report{s1, changed(func(r *rules.Report) { r.Inputs = r.Inputs[:1] })}, "read 1 input file(s)"},
		{"file in two shards", []*rules.Report{s1, changed(func(r *rules.Report) { r.Shard.Files = []string{"a.yaml", "b.yaml"} })}, "input a.yaml is in shard 1 and shard 2"},
		{"file in no shard", []*rules.Report{s1, changed(func(r *rules.Report) { r.Shard.Files = nil })}, "input b.yaml is in no shard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MergeShards(tt.shards)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("MergeShards = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
