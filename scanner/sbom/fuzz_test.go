package sbom

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadCacheFile: whatever a cache file holds, reading it is a verified
// body or an error, never a panic, and a body comes back only when its
// header vouches for it.
func FuzzReadCacheFile(f *testing.F) {
	f.Add([]byte(`{"format":"meshproof-sbom-cache/2","key":"k","size":2,"sha256":"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"}` + "\n{}"))
	f.Add([]byte("no header"))
	dir := f.TempDir()
	c := &Cache{dir: dir}
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "entry.sum")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		body, err := readFile(p, "k")
		if err == nil && body != nil {
			// What verified must survive a rewrite and read back the same.
			if werr := c.writeFile(p, "k", body); werr != nil {
				t.Fatal(werr)
			}
			again, err := readFile(p, "k")
			if err != nil || string(again) != string(body) {
				t.Errorf("rewritten entry reads back %q, %v", again, err)
			}
		}
	})
}
