package check

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/meshproof/meshproof/rules"
	"github.com/meshproof/meshproof/rules/pack"
	"github.com/meshproof/meshproof/scanner"
)

// Shard names one part of a check split across CI jobs: Index of Count,
// 1-based. The zero Shard is the whole check.
type Shard struct {
	Index, Count int
}

// ParseShard reads "i/n" (1 <= i <= n).
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 1 <= i <= n, such as 2/4", s)
	}
	return Shard{Index: i, Count: n}, nil
}

// String is "i/n".
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Owns reports whether the shard owns an input file. The owner depends only
// on the file's path (as given, cleaned, with forward slashes) and the
// shard count, so every run with the same paths splits them the same way,
// and adding a file moves no other.
func (s Shard) Owns(file string) bool {
	if s.Count <= 1 {
		return true
	}
	return s.owner(file) == s.Index
}

func (s Shard) owner(file string) int { return s.ownerOf(filepath.ToSlash(filepath.Clean(file))) }

// OwnsKey reports whether the shard owns a key that is not a path (an image
// reference): by a hash of the key as given, so the split is stable.
func (s Shard) OwnsKey(key string) bool {
	if s.Count <= 1 {
		return true
	}
	return s.ownerOf(key) == s.Index
}

func (s Shard) ownerOf(key string) int {
	sum := sha256.Sum256([]byte(key))
	return int(binary.BigEndian.Uint64(sum[:8])%uint64(s.Count)) + 1
}

// skipped stands in for an object another shard owns: no rule targets its
// kind, so the engine evaluates nothing on it, while the object indices the
// mesh model refers to stay valid.
func skipped(o *scanner.Object) *scanner.Object {
	return &scanner.Object{APIVersion: "meshproof.dev/v1", Kind: "OtherShard", Namespace: o.Namespace, Name: o.Name, Body: map[string]any{}, File: o.File, Line: o.Line, Item: o.Item}
}

// HashInputs returns the SHA-256 of every input file (the files Load reads
// from paths), in order. Standard input ("-") is hashed from stdin, which
// must then be the bytes the check read.
func HashInputs(paths []string, stdin []byte) ([]rules.InputFile, error) {
	files, err := scanner.Files(paths)
	if err != nil {
		return nil, err
	}
	out := make([]rules.InputFile, 0, len(files))
	for _, f := range files {
		if f == "-" {
			sum := sha256.Sum256(stdin)
			out = append(out, rules.InputFile{Path: scanner.StdinName, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(stdin))})
			continue
		}
		in, err := hashFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

func hashFile(path string) (rules.InputFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return rules.InputFile{}, fmt.Errorf("hash %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return rules.InputFile{}, fmt.Errorf("hash %s: %w", path, err)
	}
	return rules.InputFile{Path: path, SHA256: hex.EncodeToString(h.Sum(nil)), Bytes: n}, nil
}

// PackDigest is the SHA-256 of everything that decides what a check finds
// beyond its inputs: the built-in rule pack (unless noBuiltin), the files
// of the user's policy and data paths, and the rule settings (disabled
// rules, severity overrides). Shards of one check must agree on it.
func PackDigest(noBuiltin bool, policyPaths, dataPaths []string, settings rules.RuleSettings) (string, error) {
	h := sha256.New()
	write := func(name string, data []byte) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
	}
	if !noBuiltin {
		names, err := fs.Glob(pack.FS, "*.rego")
		if err != nil {
			return "", err
		}
		slices.Sort(names)
		for _, n := range names {
			data, err := pack.FS.ReadFile(n)
			if err != nil {
				return "", err
			}
			write("builtin/"+n, data)
		}
	}
	for _, group := range []struct {
		kind  string
		paths []string
	}{{"policy", policyPaths}, {"data", dataPaths}} {
		for _, root := range group.paths {
			var files []string
			err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() {
					files = append(files, path)
				}
				return nil
			})
			if err != nil {
				return "", fmt.Errorf("digest %s %s: %w", group.kind, root, err)
			}
			slices.Sort(files)
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					return "", fmt.Errorf("digest %s: %w", f, err)
				}
				rel, err := filepath.Rel(root, f)
				if err != nil {
					rel = f
				}
				write(group.kind+"/"+filepath.ToSlash(rel), data)
			}
		}
	}
	disabled := slices.Clone(settings.Disable)
	slices.Sort(disabled)
	fmt.Fprintf(h, "disable\x00%s\x00", strings.Join(disabled, ","))
	var sev []string
	for id, s := range settings.Severity {
		sev = append(sev, id+"="+s)
	}
	slices.Sort(sev)
	fmt.Fprintf(h, "severity\x00%s\x00", strings.Join(sev, ","))
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
