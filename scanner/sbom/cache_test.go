package sbom

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/scanner/image"
	"github.com/meshproof/meshproof/scanner/image/imagetest"
)

// TestCache: the second run of an unchanged image comes from the cache with
// the same packages; a corrupt entry is detected, rebuilt and replaced.
func TestCache(t *testing.T) {
	ctx := context.Background()
	host := imagetest.Registry(t)
	img := imagetest.Image(t, imagetest.Config{}, imagetest.Debian(t))
	imagetest.Push(t, host+"/db:12", img)
	imagetest.Push(t, host+"/db:latest", img)
	cache, err := OpenCache(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Cache: cache, Image: image.Options{Retries: -1}}
	src := image.Source{Kind: image.Registry, Ref: host + "/db:12"}

	first, err := Generate(ctx, src, opts)
	if err != nil || first.Cached || first.CacheProblem != "" {
		t.Fatalf("first Generate = cached %v problem %q, %v; want a fresh SBOM", first.Cached, first.CacheProblem, err)
	}
	if n, _ := cache.Entries(); n != 1 {
		t.Errorf("cache has %d entries after one image, want 1", n)
	}
	// Another tag of the same image hits the same entry.
	second, err := Generate(ctx, image.Source{Kind: image.Registry, Ref: host + "/db:latest"}, opts)
	if err != nil || !second.Cached {
		t.Fatalf("second Generate = cached %v, %v; want the cached SBOM", second.Cached, err)
	}
	if diff := cmp.Diff(ids(first.SBOM.Packages()), ids(second.SBOM.Packages())); diff != "" {
		t.Errorf("cached packages differ (-fresh +cached):\n%s", diff)
	}
	full, err := second.SBOM.full()
	if err != nil {
		t.Fatal(err)
	}
	if full.Source.Name != host+"/db" || full.Source.Version != "latest" {
		t.Errorf("cached SBOM names %s %s, want the source asked for now", full.Source.Name, full.Source.Version)
	}

	// Encoded outputs are kept: the second encoding is the first one's bytes,
	// and a corrupt output file is encoded again.
	var out1, out2, out3 bytes.Buffer
	if err := second.SBOM.Encode(&out1, CycloneDXJSON); err != nil {
		t.Fatal(err)
	}
	third, err := Generate(ctx, image.Source{Kind: image.Registry, Ref: host + "/db:latest"}, opts)
	if err != nil || !third.Cached {
		t.Fatalf("third Generate = cached %v, %v", third.Cached, err)
	}
	if err := third.SBOM.Encode(&out2, CycloneDXJSON); err != nil || !bytes.Equal(out1.Bytes(), out2.Bytes()) {
		t.Errorf("second encoding differs from the first (%v)", err)
	}
	outs, _ := filepath.Glob(filepath.Join(cache.Dir(), "*.out"))
	if len(outs) != 1 {
		t.Fatalf("cache has %d outputs, want 1", len(outs))
	}
	os.WriteFile(outs[0], []byte("junk\n"), 0o600)
	if err := third.SBOM.Encode(&out3, CycloneDXJSON); err != nil || !strings.Contains(out3.String(), `"bomFormat":"CycloneDX"`) {
		t.Errorf("encoding over a corrupt output = %q, %v; want a fresh encoding", out3.String(), err)
	}

	entries, _ := filepath.Glob(filepath.Join(cache.Dir(), "*.sbom"))
	for _, corrupt := range []func([]byte) []byte{
		func(b []byte) []byte { b[len(b)-10] ^= 0xff; return b }, // a flipped byte
		func(b []byte) []byte { return b[:len(b)/2] },            // truncated
		func([]byte) []byte { return []byte("{}") },              // no header
	} {
		data, _ := os.ReadFile(entries[0])
		os.WriteFile(entries[0], corrupt(data), 0o600)
		res, err := Generate(ctx, src, opts)
		if err != nil {
			t.Fatal(err)
		}
		var ce *CorruptError
		if res.Cached || res.CacheProblem == "" {
			t.Errorf("Generate on a corrupt entry = cached %v problem %q, want a rebuilt SBOM and the problem", res.Cached, res.CacheProblem)
		}
		if _, err := cache.get(cacheKeyFor(t, ctx, src, opts)); err != nil && !errors.As(err, &ce) {
			t.Errorf("cache.get after rebuild: %v", err)
		}
		if diff := cmp.Diff(ids(first.SBOM.Packages()), ids(res.SBOM.Packages())); diff != "" {
			t.Errorf("rebuilt packages differ:\n%s", diff)
		}
		again, err := Generate(ctx, src, opts)
		if err != nil || !again.Cached || again.CacheProblem != "" {
			t.Errorf("Generate after a rebuild = cached %v problem %q, %v; want the replaced entry", again.Cached, again.CacheProblem, err)
		}
	}
}

func cacheKeyFor(t *testing.T, ctx context.Context, src image.Source, opts Options) string {
	img, err := image.Open(ctx, src, opts.Image)
	if err != nil {
		t.Fatal(err)
	}
	return cacheKey(img)
}
