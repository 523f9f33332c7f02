package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	badManifest = `apiVersion: v1
kind: Namespace
metadata:
  name: payments
  labels: {meshproof.dev/pci-scope: cde, istio-injection: enabled}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: payments}
spec:
  mtls:
    mode: DISABLE
`
	goodManifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data:
  greeting: hello
`
	brokenManifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: x
data: {a: "b
`
)

// TestPreCommitHook runs this repository's .pre-commit-hooks.yaml with the
// real pre-commit tool on a scratch git repository, as a user would try it
// (pre-commit try-repo): a manifest with a blocking finding fails the hook
// with the finding's rule and message, an unreadable one fails it with
// file:line, a good one passes.
func TestPreCommitHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshproof through pre-commit")
	}
	preCommit, err := exec.LookPath("pre-commit")
	if err != nil {
		t.Skip("pre-commit is not installed (Debian package pre-commit; .ci/run installs it): the hook's end-to-end test did not run")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skipf("%s is not a git checkout, which pre-commit try-repo needs", root)
	}
	goEnv := func(name string) string {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	// pre-commit builds the hook with GOPATH set to its own folder and then
	// deletes GOPATH/pkg: keep the module and build caches where they are.
	env := append(os.Environ(),
		"PRE_COMMIT_HOME="+t.TempDir(),
		"GOMODCACHE="+goEnv("GOMODCACHE"),
		"GOCACHE="+goEnv("GOCACHE"),
		"GOFLAGS=-buildvcs=false",
		"NO_COLOR=1",
	)
	scratch := t.TempDir()
	run := func(name string, args ...string) (string, error) {
		t.Helper()
		c := exec.Command(name, args...)
		c.Dir, c.Env = scratch, env
		out, err := c.CombinedOutput()
		return string(out), err
	}
	for _, args := range [][]string{
		{"init", "-q"},
		{"config", "user.email", "dev@example.com"},
		{"config", "user.name", "dev"},
	} {
		if out, err := run("git", args...); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	try := func(file, content string) (string, error) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(scratch, file), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := run("git", "add", file); err != nil {
			t.Fatalf("git add: %v\n%s", err, out)
		}
		return run(preCommit, "try-repo", root, "meshproof-check", "--files", file)
	}

	out, err := try("payments.yaml", badManifest)
	if err == nil {
		t.Fatalf("pre-commit try-repo on a manifest with mTLS disabled in the CDE passed:\n%s", out)
	}
	for _, want := range []string{"meshproof check", "Failed", "MTLS-03", "payments.yaml", "PeerAuthentication payments/default", "FAIL"} {
		if !strings.Contains(out, want) {
			t.Errorf("hook output for a bad manifest lacks %q:\n%s", want, out)
		}
	}

	out, err = try("broken.yaml", brokenManifest)
	if err == nil {
		t.Fatalf("pre-commit try-repo on unparsable YAML passed:\n%s", out)
	}
	if !strings.Contains(out, "error: broken.yaml:5: invalid YAML") {
		t.Errorf("hook output for unparsable YAML lacks file:line:\n%s", out)
	}

	out, err = try("settings.yaml", goodManifest)
	if err != nil {
		t.Fatalf("pre-commit try-repo on a good manifest failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Passed") {
		t.Errorf("hook output for a good manifest does not say Passed:\n%s", out)
	}
}
