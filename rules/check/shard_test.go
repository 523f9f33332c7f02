package check

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		ok   bool
	}{
		{"1/1", Shard{1, 1}, true},
		{"2/4", Shard{2, 4}, true},
		{"0/4", Shard{}, false},
		{"5/4", Shard{}, false},
		{"2", Shard{}, false},
		{"a/b", Shard{}, false},
		{"1/0", Shard{}, false},
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseShard(%q) = %v, %v, want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// TestShardsPartitionFindings: the shards of a check own every file once,
// and together report exactly the findings of the whole check, mesh rules
// included (each shard sees the whole mesh).
func TestShardsPartitionFindings(t *testing.T) {
	ctx := context.Background()
	eng := newEngine(t)
	paths := []string{filepath.Join("..", "..", "examples", "payments", "mistakes")}
	whole, err := Run(ctx, Options{Paths: paths, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	key := func(fs []string) []string { slices.Sort(fs); return fs }
	var want []string
	for _, f := range whole.Findings {
		want = append(want, f.Fingerprint+" "+f.Message)
	}
	for _, n := range []int{2, 3, 5} {
		var got []string
		owners := map[string]int{}
		files, resources := 0, 0
		for i := 1; i <= n; i++ {
			s := Shard{Index: i, Count: n}
			rep, err := Run(ctx, Options{Paths: paths, Engine: eng, Shard: s})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Findings {
				if !s.Owns(f.File) {
					t.Errorf("shard %v reports a finding on %s, which it does not own", s, f.File)
				}
				got = append(got, f.Fingerprint+" "+f.Message)
			}
			files += rep.Summary.Files
			resources += rep.Summary.Resources
			inputs, err := HashInputs(paths, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, in := range inputs {
				if s.Owns(in.Path) {
					owners[in.Path]++
				}
			}
		}
		if diff := cmp.Diff(key(want), key(got)); diff != "" {
			t.Errorf("%d shards: findings differ from the whole check (-whole +shards):\n%s", n, diff)
		}
		for f, c := range owners {
			if c != 1 {
				t.Errorf("%d shards: %s is owned %d times", n, f, c)
			}
		}
		if files != whole.Summary.Files || resources != whole.Summary.Resources {
			t.Errorf("%d shards: %d files, %d resources; want %d, %d", n, files, resources, whole.Summary.Files, whole.Summary.Resources)
		}
	}
}

// TestShardOwnerStable pins the owner of some paths, so that a change of
// the assignment (which would reshuffle every CI matrix) is deliberate.
func TestShardOwnerStable(t *testing.T) {
	s := Shard{Index: 1, Count: 4}
	for _, tt := range []struct {
		path string
		want int
	}{{"k8s/a.yaml", 4}, {"./k8s/a.yaml", 4}, {"k8s//a.yaml", 4}, {"k8s/b.yaml", 1}, {"k8s/c.yaml", 2}} {
		if got := s.owner(tt.path); got != tt.want {
			t.Errorf("owner(%q) = %d, want %d", tt.path, got, tt.want)
		}
	}
}
