package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the generated docs")

// TestGeneratedDocsCurrent fails when a checked-in generated reference is
// stale. Refresh with: go test ./cmd/meshproof/cli -run TestGeneratedDocsCurrent -update
func TestGeneratedDocsCurrent(t *testing.T) {
	docs := map[string][]string{
		"rules.md": {"rules", "doc"},
	}
	for file, args := range docs {
		t.Run(file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
				t.Fatalf("meshproof %v: exit %d: %s", args, code, stderr.String())
			}
			path := filepath.Join("..", "..", "..", "docs", file)
			if *update {
				if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (generate it with -update)", err)
			}
			if diff := cmp.Diff(string(want), stdout.String()); diff != "" {
				t.Errorf("docs/%s is stale; run: go test ./cmd/meshproof/cli -run TestGeneratedDocsCurrent -update\n(-checked in +generated):\n%s", file, diff)
			}
		})
	}
}
