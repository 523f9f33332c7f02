package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// readmeCommands returns the commands of the README's first code block,
// comments removed.
func readmeCommands(t *testing.T, root string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if in {
				break
			}
			in = true
			continue
		}
		if in {
			cmd, _, _ := strings.Cut(line, "#")
			if cmd = strings.TrimSpace(cmd); cmd != "" {
				cmds = append(cmds, cmd)
			}
		}
	}
	return cmds
}

// TestREADMECommands runs the README's first command as written, from the
// repository root, and checks that the second is the test command .ci/run
// runs (so that CI, on a clean clone, runs both).
func TestREADMECommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs meshproof with go run")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmds := readmeCommands(t, root)
	if len(cmds) != 2 {
		t.Fatalf("README's first code block has %d commands %q, want 2 (run the example; run the tests)", len(cmds), cmds)
	}
	c := exec.Command("bash", "-c", cmds[0])
	c.Dir = root
	c.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("README command %q: %v\n%s", cmds[0], err, out)
	}
	for _, want := range []string{"examples/payments/mistakes/", "CRITICAL", "FAIL"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("README command %q printed no %q:\n%s", cmds[0], want, out)
		}
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(string(ci), "\n") {
		if strings.TrimSpace(line) == cmds[1] {
			found = true
		}
	}
	if !found {
		t.Errorf(".ci/run does not run the README's test command %q as a line of its own", cmds[1])
	}
}
