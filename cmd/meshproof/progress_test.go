package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgressOnlyOnATerminal runs meshproof scan under a real
// pseudo-terminal (util-linux's script) and through pipes: the progress bar
// is drawn on the terminal and cleared at the end, and neither a pipe nor
// --quiet gets it.
func TestProgressOnlyOnATerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script (util-linux) not installed: no pseudo-terminal to test on")
	}
	bin := meshproofBinary(t)
	root := filepath.Join(t.TempDir(), "rootfs")
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "etc", "os-release"), []byte("ID=debian\nVERSION_ID=\"12\"\n"), 0o644)
	args := []string{"scan", "--no-fail", "--cache-dir", filepath.Join(t.TempDir(), "cache"), "--image", "dir:" + root}
	const bar = "scanning images ["

	tty := func(extra ...string) string {
		t.Helper()
		cmdline := bin
		for _, a := range append(args, extra...) {
			cmdline += " '" + a + "'"
		}
		cmd := exec.Command(script, "-qec", cmdline, "/dev/null")
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "TERM=xterm")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("script -c %s: %v\n%s", cmdline, err, out)
		}
		return string(out)
	}
	out := tty()
	i := strings.Index(out, bar)
	if i < 0 {
		t.Fatalf("no progress bar on a terminal:\n%q", out)
	}
	if !strings.Contains(out[i:], "] 1/1 ") {
		t.Errorf("progress bar does not count the image:\n%q", out[i:min(len(out), i+300)])
	}
	if !strings.Contains(out[i:], "\r\x1b[2K") {
		t.Errorf("progress bar is not cleared when done:\n%q", out[i:])
	}
	if out := tty("--quiet"); strings.Contains(out, bar) {
		t.Errorf("--quiet on a terminal drew the progress bar:\n%q", out)
	}

	cmd := exec.Command(bin, args...)
	piped, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("meshproof %v: %v\n%s", args, err, piped)
	}
	if strings.Contains(string(piped), bar) || strings.Contains(string(piped), "\x1b[") {
		t.Errorf("progress bar or terminal codes written to a pipe:\n%q", piped)
	}
}
