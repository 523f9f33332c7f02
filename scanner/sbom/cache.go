package sbom

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/anchore/syft/syft/format/syftjson"
)

// cacheFormat marks the first line of a cache entry.
const cacheFormat = "meshproof-sbom-cache/1"

// Cache keeps SBOMs in a folder, one file per image digest. It is safe for
// concurrent use by several processes: entries are written to a temporary
// file and renamed into place.
type Cache struct {
	dir string
}

// DefaultCacheDir is meshproof's folder under the user cache folder
// ($XDG_CACHE_HOME or ~/.cache on Linux).
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find the user cache folder: %w", err)
	}
	return filepath.Join(d, "meshproof", "sbom"), nil
}

// OpenCache opens (and creates) a cache folder.
func OpenCache(dir string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open SBOM cache: %w", err)
	}
	return &Cache{dir: dir}, nil
}

// Dir is the cache's folder.
func (c *Cache) Dir() string { return c.dir }

// header is the first line of an entry: what the rest must be.
type header struct {
	Format string `json:"format"`
	Key    string `json:"key"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// CorruptError is a cache entry that did not verify or decode.
type CorruptError struct {
	File   string
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("SBOM cache entry %s is corrupt (%s); rebuilt", e.File, e.Reason)
}

func (c *Cache) path(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:])+".sbom")
}

// get returns the SBOM stored under key, nil when there is none, or a
// *CorruptError when the entry does not verify.
func (c *Cache) get(key string) (*SBOM, error) {
	p := c.path(key)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read SBOM cache: %w", err)
	}
	corrupt := func(format string, args ...any) error {
		return &CorruptError{File: p, Reason: fmt.Sprintf(format, args...)}
	}
	line, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, corrupt("no header line")
	}
	var h header
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, corrupt("unreadable header: %v", err)
	}
	switch {
	case h.Format != cacheFormat:
		return nil, corrupt("format %q, want %q", h.Format, cacheFormat)
	case h.Key != key:
		return nil, corrupt("entry is for another image")
	case h.Size != len(body):
		return nil, corrupt("%d bytes, want %d", len(body), h.Size)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != h.SHA256 {
		return nil, corrupt("checksum mismatch")
	}
	s, _, _, err := syftjson.NewFormatDecoder().Decode(bytes.NewReader(body))
	if err != nil {
		return nil, corrupt("undecodable SBOM: %v", err)
	}
	return &SBOM{s: s}, nil
}

// put stores s under key.
func (c *Cache) put(key string, s *SBOM) error {
	var body bytes.Buffer
	if err := s.Encode(&body, SyftJSON); err != nil {
		return fmt.Errorf("write SBOM cache: %w", err)
	}
	sum := sha256.Sum256(body.Bytes())
	h, err := json.Marshal(header{Format: cacheFormat, Key: key, Size: body.Len(), SHA256: hex.EncodeToString(sum[:])})
	if err != nil {
		return fmt.Errorf("write SBOM cache: %w", err)
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write SBOM cache: %w", err)
	}
	w := bufio.NewWriter(tmp)
	w.Write(h)
	w.WriteByte('\n')
	w.Write(body.Bytes())
	err = errors.Join(w.Flush(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), c.path(key))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write SBOM cache: %w", err)
	}
	return nil
}

// Entries counts the entries in the cache.
func (c *Cache) Entries() (int, error) {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return 0, fmt.Errorf("read SBOM cache: %w", err)
	}
	n := 0
	for _, d := range des {
		if strings.HasSuffix(d.Name(), ".sbom") {
			n++
		}
	}
	return n, nil
}
