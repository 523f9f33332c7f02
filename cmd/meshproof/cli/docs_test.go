package cli

import (
	"bytes"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

var update = flag.Bool("update", false, "rewrite the generated docs")

// TestGeneratedDocsCurrent fails when a checked-in generated reference is
// stale. Refresh with: go test ./cmd/meshproof/cli -run TestGeneratedDocsCurrent -update
func TestGeneratedDocsCurrent(t *testing.T) {
	docs := map[string][]string{
		"rules.md": {"rules", "doc"},
		"pci.md":   {"rules", "doc", "--pci"},
		"cli.md":   nil, // from the command tree (writeCLIReference)
	}
	for file, args := range docs {
		t.Run(file, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if file == "cli.md" {
				if err := writeCLIReference(&stdout); err != nil {
					t.Fatal(err)
				}
			} else if code := Run(context.Background(), args, nil, &stdout, &stderr); code != 0 {
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

// TestCommandsHaveHelp: every command says what it does, and every command
// that runs something shows examples in its --help.
func TestCommandsHaveHelp(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" || c.Parent() != nil && c.Parent().Name() == "completion" {
			return
		}
		if c.Short == "" {
			t.Errorf("%s has no Short description", c.CommandPath())
		}
		if c.Runnable() && c.Example == "" {
			t.Errorf("%s has no Example in its help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(&env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}))
}

// TestCompletionAndQuiet: shell completion scripts are available, and
// --quiet and --verbose exclude each other.
func TestCompletionAndQuiet(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var stdout, stderr bytes.Buffer
		if code := Run(context.Background(), []string{"completion", shell}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "meshproof") {
			t.Errorf("meshproof completion %s = exit %d, %d bytes; stderr %s", shell, code, stdout.Len(), stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"version", "--quiet", "--verbose"}, nil, &stdout, &stderr); code != ExitError || !strings.Contains(stderr.String(), "--quiet and --verbose exclude each other") {
		t.Errorf("meshproof version --quiet --verbose = exit %d, stderr %q; want 2 and the conflict", code, stderr.String())
	}
}
