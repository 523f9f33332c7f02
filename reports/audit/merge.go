package audit

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meshproof/meshproof/rules"
)

// MergeShards joins the results of a sharded check (check --shard i/n)
// into one check result. It refuses shards that do not fit together:
// different shard counts, a shard missing or given twice, different rule
// packs, different input files or digests, or a file owned by two shards.
// Waivers are unused only when no shard used them.
func MergeShards(shards []*rules.Report) (*rules.Report, error) {
	if len(shards) == 0 {
		return nil, errors.New("merge: no shard")
	}
	first := shards[0]
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("merge: "+format, args...)) }
	seen := map[int]bool{}
	owner := map[string]int{}
	inputs := map[string]string{}
	for _, in := range first.Inputs {
		inputs[in.Path] = in.SHA256
	}
	for _, s := range shards {
		if s.Shard == nil {
			bad("a result is not from a sharded check")
			continue
		}
		name := fmt.Sprintf("%d/%d", s.Shard.Index, s.Shard.Count)
		if s.Shard.Count != first.Shard.Count {
			bad("shard %s is of a split into %d, shard %d/%d of a split into %d", name, s.Shard.Count, first.Shard.Index, first.Shard.Count, first.Shard.Count)
		}
		if seen[s.Shard.Index] {
			bad("shard %s is given twice", name)
		}
		seen[s.Shard.Index] = true
		if s.RulePack != first.RulePack {
			bad("shard %s ran rule pack %s, shard %d/%d ran %s", name, s.RulePack, first.Shard.Index, first.Shard.Count, first.RulePack)
		}
		if len(s.Inputs) != len(first.Inputs) {
			bad("shard %s read %d input file(s), shard %d/%d read %d", name, len(s.Inputs), first.Shard.Index, first.Shard.Count, len(first.Inputs))
		}
		for _, in := range s.Inputs {
			if sum, ok := inputs[in.Path]; !ok || sum != in.SHA256 {
				bad("shard %s read %s with sha256 %s, which shard %d/%d did not", name, in.Path, in.SHA256, first.Shard.Index, first.Shard.Count)
			}
		}
		for _, f := range s.Shard.Files {
			if o, ok := owner[f]; ok {
				bad("input %s is in shard %d and shard %d", f, o, s.Shard.Index)
			}
			owner[f] = s.Shard.Index
		}
	}
	for i := 1; i <= first.Shard.Count; i++ {
		if !seen[i] {
			bad("shard %d/%d is missing", i, first.Shard.Count)
		}
	}
	for _, in := range first.Inputs {
		if _, ok := owner[in.Path]; !ok {
			bad("input %s is in no shard", in.Path)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := &rules.Report{Findings: []rules.Finding{}, Inputs: first.Inputs, RulePack: first.RulePack, ToolVersion: first.ToolVersion}
	type wkey struct{ rule, resource, fingerprint, source string }
	unused := map[wkey]int{}
	var statuses []rules.WaiverStatus
	for _, s := range shards {
		out.Findings = append(out.Findings, s.Findings...)
		for _, ws := range s.Waivers {
			k := wkey{ws.Waiver.Rule, ws.Waiver.Resource, ws.Waiver.Fingerprint, ws.Waiver.Source}
			switch ws.Status {
			case "unused":
				unused[k]++
				if unused[k] == len(shards) {
					statuses = append(statuses, ws)
				}
			default:
				if !slices.ContainsFunc(statuses, func(x rules.WaiverStatus) bool {
					return x.Status == ws.Status && wkey{x.Waiver.Rule, x.Waiver.Resource, x.Waiver.Fingerprint, x.Waiver.Source} == k
				}) {
					statuses = append(statuses, ws)
				} else {
					for i := range statuses {
						x := &statuses[i]
						if x.Status == ws.Status && (wkey{x.Waiver.Rule, x.Waiver.Resource, x.Waiver.Fingerprint, x.Waiver.Source}) == k {
							x.Matched += ws.Matched
						}
					}
				}
			}
		}
	}
	rules.SortFindings(out.Findings)
	// The same order whatever the order of the shards.
	slices.SortStableFunc(statuses, func(a, b rules.WaiverStatus) int {
		return cmp.Or(strings.Compare(a.Waiver.Rule, b.Waiver.Rule), strings.Compare(a.Waiver.Resource, b.Waiver.Resource),
			strings.Compare(a.Waiver.Fingerprint, b.Waiver.Fingerprint), strings.Compare(a.Waiver.Source, b.Waiver.Source), strings.Compare(a.Status, b.Status))
	})
	out.Waivers = statuses
	out.Summary = rules.Summarize(out.Findings, first.Summary.FailOn)
	for _, s := range shards {
		out.Summary.Files += s.Summary.Files
		out.Summary.Resources += s.Summary.Resources
	}
	out.Summary.Rules = first.Summary.Rules
	return out, nil
}

// ShardsTime is when the latest of the shards ran, the time a merged
// report is of; zero when a shard does not record its time.
func ShardsTime(shards []*rules.Report) time.Time {
	var t time.Time
	for _, s := range shards {
		if s.Shard == nil || s.Shard.Time.IsZero() {
			return time.Time{}
		}
		if s.Shard.Time.After(t) {
			t = s.Shard.Time
		}
	}
	return t
}
