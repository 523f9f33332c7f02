package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// built is the meshproof binary the tests of this package run, built once.
var built struct {
	once sync.Once
	dir  string
	path string
	err  error
	out  []byte
}

// meshproofBinary builds meshproof (once per test run) and returns its path.
func meshproofBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds meshproof")
	}
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "meshproof-bin-"); built.err != nil {
			return
		}
		built.path = filepath.Join(built.dir, "meshproof")
		built.out, built.err = exec.Command("go", "build", "-o", built.path, ".").CombinedOutput()
	})
	if built.err != nil {
		t.Fatalf("go build: %v\n%s", built.err, built.out)
	}
	return built.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}
