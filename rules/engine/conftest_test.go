package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/rules/mesh"
	"github.com/meshproof/meshproof/scanner"
)

// conftestVersion reads the conftest version this module requires.
func conftestVersion(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "github.com/open-policy-agent/conftest" {
			return fields[1]
		}
	}
	t.Fatal("go.mod does not require github.com/open-policy-agent/conftest")
	return ""
}

type conftestResult struct {
	Filename  string `json:"filename"`
	Namespace string `json:"namespace"`
	Failures  []struct {
		Msg string `json:"msg"`
	} `json:"failures"`
	Warnings []struct {
		Msg string `json:"msg"`
	} `json:"warnings"`
}

// TestConftestCompatibility runs the real conftest CLI (the version in
// go.mod, built from the module cache) on the rule pack and every rule
// fixture, and checks that it fails exactly where meshproof's document rules
// fail, with the same messages. Mesh rules must stay silent under conftest.
func TestConftestCompatibility(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the conftest CLI")
	}
	files, err := filepath.Glob(filepath.Join(fixtureDir, "*", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	sort.Strings(files)
	packDir, err := filepath.Abs(filepath.Join("..", "pack"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "github.com/open-policy-agent/conftest@" + conftestVersion(t),
		"test", "--all-namespaces", "--no-color", "-o", "json", "-p", packDir}
	args = append(args, files...)
	cmd := exec.Command("go", args...)
	// Outside this module: go run pkg@version uses conftest's own go.mod.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	// conftest exits 1 when there are failures; anything else is a problem.
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
		t.Fatalf("conftest: %v\n%s", err, stderr.String())
	}
	var results []conftestResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("conftest output: %v\n%s", err, stdout.String())
	}
	var got []string
	for _, r := range results {
		if !strings.HasPrefix(r.Namespace, "meshproof.") {
			continue
		}
		for _, f := range r.Failures {
			got = append(got, r.Filename+" | "+r.Namespace+" | "+f.Msg)
		}
		for _, f := range r.Warnings {
			got = append(got, r.Filename+" | "+r.Namespace+" | "+f.Msg)
		}
	}
	sort.Strings(got)

	e := newTestEngine(t)
	var want []string
	for _, f := range files {
		objs, err := scanner.Load(context.Background(), []string{f}, scanner.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fs, err := e.Evaluate(context.Background(), objs, mesh.Build(objs, mesh.Options{}))
		if err != nil {
			t.Fatal(err)
		}
		for _, fd := range fs {
			r := e.byID(fd.RuleID)
			if r == nil || r.Input != "document" {
				continue
			}
			want = append(want, f+" | "+r.Package+" | "+fd.Message)
		}
	}
	sort.Strings(want)
	if len(want) == 0 {
		t.Fatal("meshproof found nothing in the fixtures: the comparison would be empty")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conftest and meshproof disagree on the fixtures (-meshproof +conftest):\n%s", diff)
	}
}

// TestConftestVerify runs `conftest verify` (the version in go.mod) on the
// pack: its Rego unit tests must pass under conftest as they do under
// meshproof rules test.
func TestConftestVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the conftest CLI")
	}
	packDir, err := filepath.Abs(filepath.Join("..", "pack"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "github.com/open-policy-agent/conftest@"+conftestVersion(t), "verify", "--no-color", "-p", packDir)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("conftest verify: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), " 0 failures") || strings.Contains(string(out), " 0 tests") {
		t.Errorf("conftest verify output:\n%s", out)
	}
}
