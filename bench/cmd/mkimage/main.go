// Command mkimage builds an OCI layout of one image from this machine's own
// files, for bench/sbom.sh: real package metadata at real scale (the dpkg
// database and copyright files, Python dist-packages, the npm CLI's
// node_modules, Go binaries with build info), so that syft catalogs
// hundreds of real packages.
//
//	go run ./bench/cmd/mkimage -out bench/results/sbom/oci [-extra PATH]...
package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type extras []string

func (e *extras) String() string     { return strings.Join(*e, ",") }
func (e *extras) Set(s string) error { *e = append(*e, s); return nil }

func main() {
	out := flag.String("out", "", "OCI layout folder to write")
	var extra extras
	flag.Var(&extra, "extra", "another file or folder to put in the last layer; repeatable")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: mkimage -out DIR [-extra PATH]...")
		os.Exit(2)
	}
	layers := [][]string{
		{"/etc/os-release", "/usr/lib/os-release", "/var/lib/dpkg/status", "/var/lib/dpkg/info", "/usr/share/doc/*/copyright"},
		{"/usr/lib/python3/dist-packages"},
		{"/usr/lib/node_modules"},
		append([]string{"/usr/local/go/bin", "/usr/local/go/pkg/tool/linux_amd64"}, extra...),
	}
	img := empty.Image
	for _, paths := range layers {
		l, n, err := layer(paths)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkimage:", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "layer of %d files from %s\n", n, strings.Join(paths, " "))
		if img, err = mutate.AppendLayers(img, l); err != nil {
			fmt.Fprintln(os.Stderr, "mkimage:", err)
			os.Exit(1)
		}
	}
	cf, _ := img.ConfigFile()
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, _ = mutate.ConfigFile(img, cf)
	os.RemoveAll(*out)
	p, err := layout.Write(*out, empty.Index)
	if err == nil {
		err = p.AppendImage(img, layout.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"}))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
	d, _ := img.Digest()
	fmt.Println(d)
}

// layer tars the files under paths (globs allowed), with their paths.
func layer(paths []string) (v1.Layer, int, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}
	n := 0
	add := func(p string, d fs.FileInfo) error {
		name := strings.TrimPrefix(p, "/")
		if seen[name] {
			return nil
		}
		seen[name] = true
		hdr, err := tar.FileInfoHeader(d, "")
		if err != nil {
			return err
		}
		if d.Mode()&fs.ModeSymlink != 0 {
			if hdr.Linkname, err = os.Readlink(p); err != nil {
				return err
			}
		}
		hdr.Name = name
		if d.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if d.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(tw, f); err != nil {
				return err
			}
			n++
		}
		return nil
	}
	for _, pat := range paths {
		matches, err := filepath.Glob(pat)
		if err != nil {
			return nil, 0, err
		}
		for _, m := range matches {
			// parent folders first
			parts := strings.Split(strings.TrimPrefix(filepath.Dir(m), "/"), "/")
			for i := range parts {
				dir := "/" + strings.Join(parts[:i+1], "/")
				if info, err := os.Lstat(dir); err == nil {
					if err := add(dir, info); err != nil {
						return nil, 0, err
					}
				}
			}
			err := filepath.Walk(m, func(p string, info fs.FileInfo, err error) error {
				if err != nil {
					return err
				}
				return add(p, info)
			})
			if err != nil {
				return nil, 0, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	return l, n, err
}
