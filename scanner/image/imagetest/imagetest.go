// Package imagetest builds container images for tests from real package
// metadata (an Alpine apk database, a Debian dpkg status file, a Python
// METADATA file, an installed npm package and a Go binary with build info),
// so that syft catalogs real packages, and serves them from
// go-containerregistry's in-memory registry, OCI layouts and docker-archive
// tarballs.
package imagetest

import (
	"archive/tar"
	"bytes"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// File is one file of a layer.
type File struct {
	Path string
	Data []byte
	Mode int64 // 0o644 when 0
}

// Layer builds a layer holding files, with their parent folders.
func Layer(t testing.TB, files ...File) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	mtime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, f := range files {
		p := strings.TrimPrefix(f.Path, "/")
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			d := strings.Join(parts[:i], "/") + "/"
			if !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: mtime}); err != nil {
					t.Fatal(err)
				}
			}
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: mode, Size: int64(len(f.Data)), ModTime: mtime}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Config is what an image's config says beyond its layers.
type Config struct {
	OS, Architecture string // linux/amd64 when empty
	User             string
}

// Image builds an image from layers.
func Image(t testing.TB, cfg Config, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	if cfg.OS != "" {
		cf.OS = cfg.OS
	}
	if cfg.Architecture != "" {
		cf.Architecture = cfg.Architecture
	}
	cf.Config.User = cfg.User
	cf.Created = v1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// Alpine is an Alpine 3.20 base: os-release and an apk installed database
// with musl and busybox.
func Alpine(t testing.TB) v1.Layer {
	return Layer(t,
		File{Path: "etc/os-release", Data: []byte("NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n")},
		File{Path: "lib/apk/db/installed", Data: []byte(apkInstalled)},
		File{Path: "lib/ld-musl-x86_64.so.1", Data: []byte("musl")},
		File{Path: "bin/busybox", Data: []byte("busybox"), Mode: 0o755},
	)
}

const apkInstalled = `C:Q1zB0RnDeBXBrdbfXVpFNbVPFGmZw=
P:musl
V:1.2.5-r0
A:x86_64
S:411000
I:643072
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1715000000
c:1234567890abcdef1234567890abcdef12345678
F:lib
R:ld-musl-x86_64.so.1

C:Q1OqtCpq0DIsaKWFBT6Kq0NZEv8cE=
P:busybox
V:1.36.1-r29
A:x86_64
S:500000
I:950000
T:Size optimized toolbox of many common UNIX utilities
U:https://busybox.net/
L:GPL-2.0-only
o:busybox
m:Sören Tempel <soeren+alpine@soeren-tempel.net>
t:1716000000
c:abcdef1234567890abcdef1234567890abcdef12
D:so:libc.musl-x86_64.so.1
F:bin
R:busybox

`

// Debian is a Debian 12 base: os-release and a dpkg status file with
// libssl3 (source openssl) and zlib1g (source zlib).
func Debian(t testing.TB) v1.Layer {
	return Layer(t,
		File{Path: "etc/os-release", Data: []byte("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n")},
		File{Path: "var/lib/dpkg/status", Data: []byte(dpkgStatus)},
	)
}

const dpkgStatus = `Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6212
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL
 and TLS cryptographic protocols for secure communication over the
 Internet.
Homepage: https://www.openssl.org/

Package: zlib1g
Status: install ok installed
Priority: required
Section: libs
Installed-Size: 168
Maintainer: Mark Brown <broonie@debian.org>
Architecture: amd64
Multi-Arch: same
Source: zlib
Version: 1:1.2.13.dfsg-1
Provides: libz1
Depends: libc6 (>= 2.14)
Description: compression library - runtime
 zlib is a library implementing the deflate compression method found
 in gzip and PKZIP.
Homepage: http://zlib.net/

`

// Python is an installed PyPI package: requests 2.31.0 (Apache-2.0).
func Python(t testing.TB) v1.Layer {
	meta := "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: Python HTTP for Humans.\nHome-page: https://requests.readthedocs.io\nAuthor: Kenneth Reitz\nLicense: Apache 2.0\nRequires-Python: >=3.7\n\nRequests is an HTTP library.\n"
	dir := "usr/lib/python3/dist-packages/requests-2.31.0.dist-info/"
	return Layer(t,
		File{Path: dir + "METADATA", Data: []byte(meta)},
		File{Path: dir + "RECORD", Data: []byte("requests/__init__.py,sha256=abc,100\nrequests-2.31.0.dist-info/METADATA,,\n")},
		File{Path: dir + "top_level.txt", Data: []byte("requests\n")},
		File{Path: "usr/lib/python3/dist-packages/requests/__init__.py", Data: []byte("__version__ = '2.31.0'\n")},
	)
}

// NPM is an installed npm package: lodash 4.17.20 (MIT) under node_modules.
func NPM(t testing.TB) v1.Layer {
	return Layer(t,
		File{Path: "app/node_modules/lodash/package.json", Data: []byte(`{"name": "lodash", "version": "4.17.20", "license": "MIT", "description": "Lodash modular utilities."}`)},
		File{Path: "app/package.json", Data: []byte(`{"name": "payments-ui", "version": "1.0.0", "private": true, "dependencies": {"lodash": "4.17.20"}}`)},
	)
}

// PackageLock is a package-lock.json (lockfile v3) naming lodash 4.17.20 and
// minimist 1.2.5, for folder scans (syft reads lock files in folders, not
// in images).
const PackageLock = `{
  "name": "payments-ui",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "payments-ui", "version": "1.0.0", "dependencies": {"lodash": "4.17.20", "minimist": "1.2.5"}},
    "node_modules/lodash": {"version": "4.17.20", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz", "integrity": "sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA==", "license": "MIT"},
    "node_modules/minimist": {"version": "1.2.5", "resolved": "https://registry.npmjs.org/minimist/-/minimist-1.2.5.tgz", "integrity": "sha512-FM9nNUYrRBAELZQT3xeZQ7fmMOBg6nWNmJKTcgsJeaLstP/UODVpGsr5OhXhhXg6f+qtJ8uiZ+PUxkDWcgIXLw==", "license": "MIT"}
  }
}
`

var (
	goBinOnce sync.Once
	goBin     []byte
	goBinErr  error
)

// GoBinary is a small Go program built with build info naming
// github.com/google/go-cmp v0.7.0, built once per test process from the
// module cache (no network). Tests that need it skip when Go cannot build it.
func GoBinary(t testing.TB) []byte {
	t.Helper()
	goBinOnce.Do(func() { goBin, goBinErr = buildGoBinary() })
	if goBinErr != nil {
		t.Skipf("cannot build the Go test binary: %v", goBinErr)
	}
	return goBin
}

func buildGoBinary() ([]byte, error) {
	dir, err := os.MkdirTemp("", "meshproof-gobin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	sum, err := goCmpSum()
	if err != nil {
		return nil, err
	}
	files := map[string]string{
		"go.mod":  "module example.com/ledger\n\ngo 1.22\n\nrequire github.com/google/go-cmp v0.7.0\n",
		"go.sum":  sum,
		"main.go": "package main\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/google/go-cmp/cmp\"\n)\n\nfunc main() { fmt.Println(cmp.Equal(1, 1)) }\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			return nil, err
		}
	}
	out := filepath.Join(dir, "ledger")
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, &buildError{out: string(b), err: err}
	}
	return os.ReadFile(out)
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// goCmpSum returns go-cmp's go.sum lines from meshproof's own go.sum.
func goCmpSum() (string, error) {
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "go.sum"))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "github.com/google/go-cmp v0.7.0 ") || strings.HasPrefix(line, "github.com/google/go-cmp v0.7.0/") {
			b.WriteString(line + "\n")
		}
	}
	return b.String(), nil
}

// GoLayer puts the Go binary at /usr/local/bin/ledger.
func GoLayer(t testing.TB) v1.Layer {
	return Layer(t, File{Path: "usr/local/bin/ledger", Data: GoBinary(t), Mode: 0o755})
}

// Registry serves go-containerregistry's in-memory registry on loopback and
// returns its host:port.
func Registry(t testing.TB) string {
	t.Helper()
	s := httptest.NewServer(registry.New(registry.Logger(nopLogger())))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://")
}

// Push writes img to ref and returns its digest.
func Push(t testing.TB, ref string, img v1.Image) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// Index builds a multi-platform index of images, each with its config's platform.
func Index(t testing.TB, imgs ...v1.Image) v1.ImageIndex {
	t.Helper()
	var adds []mutate.IndexAddendum
	for _, img := range imgs {
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: cf.Platform()}})
	}
	return mutate.AppendManifests(empty.Index, adds...)
}

// PushIndex writes idx to ref and returns its digest.
func PushIndex(t testing.TB, ref string, idx v1.ImageIndex) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// Layout writes img to a new OCI layout folder tagged tag and returns the folder.
func Layout(t testing.TB, tag string, img v1.Image) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oci")
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	var opts []layout.Option
	if tag != "" {
		opts = append(opts, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag}))
	}
	if err := p.AppendImage(img, opts...); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Archive writes img as a docker-archive tarball (docker save) tagged tag.
func Archive(t testing.TB, tag string, img v1.Image) string {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "image.tar")
	if err := tarball.WriteToFile(f, ref, img); err != nil {
		t.Fatal(err)
	}
	return f
}
