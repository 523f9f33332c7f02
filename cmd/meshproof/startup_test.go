package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// maxInitBytes bounds what one package's init may allocate. The heaviest
// today allocate well under 1 MiB; go-graphviz compiled its WebAssembly
// module at init (5.7 MB, 40-80 ms of every run, and a folder in TMPDIR).
const maxInitBytes = 2 << 20

var initLine = regexp.MustCompile(`^init (\S+) @[0-9.]+ ms, [0-9.]+ ms clock, ([0-9]+) bytes, ([0-9]+) allocs$`)

// TestStartupCost guards the cost of starting meshproof, which every
// pre-commit hook run pays: it builds the binary and runs it with
// GODEBUG=inittrace=1, and fails when a package's init allocates more than
// maxInitBytes, or when a run writes anything into TMPDIR, HOME or the
// cache folders (each an empty folder of the test). It measures no time:
// allocations are the same on every run, clocks are not.
func TestStartupCost(t *testing.T) {
	bin := meshproofBinary(t)
	example, err := filepath.Abs(filepath.Join("..", "..", "examples", "payments", "compliant"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"version"}, {"check", "--no-fail", example}} {
		t.Run(args[0], func(t *testing.T) {
			dirs := map[string]string{}
			for _, name := range []string{"TMPDIR", "HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"} {
				dirs[name] = t.TempDir()
			}
			cmd := exec.Command(bin, args...)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "NO_COLOR=1")
			for name, dir := range dirs {
				cmd.Env = append(cmd.Env, name+"="+dir)
			}
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("meshproof %v: %v\n%s", args, err, stderr.String())
			}
			inits := 0
			for _, line := range bytes.Split(stderr.Bytes(), []byte("\n")) {
				m := initLine.FindSubmatch(line)
				if m == nil {
					continue
				}
				inits++
				n, _ := strconv.Atoi(string(m[2]))
				if n > maxInitBytes {
					t.Errorf("init of %s allocates %d bytes (%s allocs), over %d: work at program start that every run pays", m[1], n, m[3], maxInitBytes)
				}
			}
			if inits < 100 {
				t.Fatalf("inittrace printed %d init lines; want the init of every package:\n%.2000s", inits, stderr.String())
			}
			for name, dir := range dirs {
				entries, err := os.ReadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					t.Errorf("meshproof %v wrote %s into %s", args, e.Name(), name)
				}
			}
		})
	}
}
