package istio_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/meshgen/istio"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden compares the manifests of the payments example with the
// checked-in ones (refresh with: go test ./meshgen/istio -run TestGolden
// -update, and review the diff).
func TestGolden(t *testing.T) {
	files, err := istio.Generate(payments(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden", "payments")
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("%v (create the golden files with -update)", err)
	}
	var want, got []string
	for _, e := range entries {
		want = append(want, e.Name())
	}
	for _, f := range files {
		got = append(got, f.Name)
		golden, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			continue
		}
		if diff := cmp.Diff(string(golden), string(f.Data)); diff != "" {
			t.Errorf("%s differs from testdata/golden/payments (-golden +generated):\n%s", f.Name, diff)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("generated files (-golden +generated):\n%s", diff)
	}
}

// TestDeterministic: the same intent gives the same bytes, also when it is
// read again, and generating leaves the intent as it was.
func TestDeterministic(t *testing.T) {
	in := payments(t)
	first, err := istio.Generate(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		again, err := istio.Generate(payments(t))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("run %d differs (-first +again):\n%s", i, diff)
		}
	}
	// Generate must not change the intent it reads.
	if diff := cmp.Diff(payments(t).Spec, in.Spec); diff != "" {
		t.Errorf("Generate changed the intent (-before +after):\n%s", diff)
	}
}
