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
	syftsbom "github.com/anchore/syft/syft/sbom"
)

// cacheFormat marks the first line of a cache file.
const cacheFormat = "meshproof-sbom-cache/2"

// Cache keeps SBOMs in a folder, by image digest. It is safe for
// concurrent use by several processes: files are written to a temporary
// file and renamed into place.
//
// An image's entry is three kinds of file, each with a header line that
// names its key, size and SHA-256: the SBOM in syft JSON (<hash>.sbom,
// complete, for any output format), a summary (<hash>.sum: the packages and
// distribution, which is all a scan reads), and the outputs already encoded
// (<hash>.<format>-<source>.out), so that a re-scan of an unchanged image
// neither catalogs nor decodes nor encodes it again.
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

// header is the first line of a cache file: what the rest must be.
type header struct {
	Format string `json:"format"`
	Key    string `json:"key"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

// CorruptError is a cache file that did not verify or decode.
type CorruptError struct {
	File   string
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("SBOM cache entry %s is corrupt (%s); rebuilt", e.File, e.Reason)
}

func (c *Cache) base(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(c.dir, hex.EncodeToString(sum[:]))
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

func (c *Cache) outPath(key, format, input string) string {
	return c.base(key) + "." + format + "-" + hashString(input) + ".out"
}

// summary is what a scan needs of an SBOM.
type summary struct {
	Packages      []Package `json:"packages"`
	DistroID      string    `json:"distro_id"`
	DistroVersion string    `json:"distro_version"`
}

// readFile reads a cache file written for key: nil, nil when there is none,
// a *CorruptError when it does not verify.
func readFile(path, key string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read SBOM cache: %w", err)
	}
	corrupt := func(format string, args ...any) error {
		return &CorruptError{File: path, Reason: fmt.Sprintf(format, args...)}
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
	return body, nil
}

// writeFile writes body with its header, atomically.
func (c *Cache) writeFile(path, key string, body []byte) error {
	sum := sha256.Sum256(body)
	h, err := json.Marshal(header{Format: cacheFormat, Key: key, Size: len(body), SHA256: hex.EncodeToString(sum[:])})
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
	w.Write(body)
	err = errors.Join(w.Flush(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write SBOM cache: %w", err)
	}
	return nil
}

// get returns the SBOM stored under key (its summary read, the full SBOM
// verified and decoded when an output needs it), nil when there is none,
// or a *CorruptError when a file of the entry does not verify.
func (c *Cache) get(key string) (*SBOM, error) {
	sumBody, err := readFile(c.base(key)+".sum", key+"\x00summary")
	if err != nil || sumBody == nil {
		return nil, err
	}
	full := c.base(key) + ".sbom"
	body, err := readFile(full, key)
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, &CorruptError{File: full, Reason: "missing"}
	}
	var sm summary
	if err := json.Unmarshal(sumBody, &sm); err != nil {
		return nil, &CorruptError{File: c.base(key) + ".sum", Reason: "undecodable summary: " + err.Error()}
	}
	s := &SBOM{sum: &sm, cache: c, key: key}
	s.load = func() (*syftsbom.SBOM, error) {
		full, _, _, err := syftjson.NewFormatDecoder().Decode(bytes.NewReader(body))
		if err != nil {
			return nil, &CorruptError{File: c.base(key) + ".sbom", Reason: "undecodable SBOM: " + err.Error()}
		}
		return full, nil
	}
	return s, nil
}

// put stores s under key: the full SBOM and its summary.
func (c *Cache) put(key string, s *SBOM) error {
	var body bytes.Buffer
	if err := s.encode(&body, SyftJSON); err != nil {
		return fmt.Errorf("write SBOM cache: %w", err)
	}
	id, v := s.Distro()
	sm, err := json.Marshal(summary{Packages: s.Packages(), DistroID: id, DistroVersion: v})
	if err != nil {
		return fmt.Errorf("write SBOM cache: %w", err)
	}
	// The summary last: an entry is only found once both files are there.
	if err := c.writeFile(c.base(key)+".sbom", key, body.Bytes()); err != nil {
		return err
	}
	return c.writeFile(c.base(key)+".sum", key+"\x00summary", sm)
}

// Entries counts the images in the cache.
func (c *Cache) Entries() (int, error) {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return 0, fmt.Errorf("read SBOM cache: %w", err)
	}
	n := 0
	for _, d := range des {
		if strings.HasSuffix(d.Name(), ".sum") {
			n++
		}
	}
	return n, nil
}
