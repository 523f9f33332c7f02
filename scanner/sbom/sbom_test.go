package sbom

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshproof/meshproof/scanner/image"
	"github.com/meshproof/meshproof/scanner/image/imagetest"
)

// pkgID is what the tests compare: the package, its type and its PURL.
type pkgID struct{ Name, Version, Type, PURL string }

func ids(ps []Package) []pkgID {
	var out []pkgID
	for _, p := range ps {
		out = append(out, pkgID{p.Name, p.Version, p.Type, p.PURL})
	}
	return out
}

// alpineAppWant is what an Alpine image with an installed Python package,
// an installed npm package and a Go binary holds.
// The Go binary's main module is built without VCS information, so its
// version is unknown; the app's own package.json is a package too.
var alpineAppWant = []pkgID{
	{"busybox", "1.36.1-r29", "apk", "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3"},
	{"example.com/ledger", "UNKNOWN", "go-module", "pkg:golang/example.com/ledger"},
	{"github.com/google/go-cmp", "v0.7.0", "go-module", "pkg:golang/github.com/google/go-cmp@v0.7.0"},
	{"lodash", "4.17.20", "npm", "pkg:npm/lodash@4.17.20"},
	{"musl", "1.2.5-r0", "apk", "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"},
	{"payments-ui", "1.0.0", "npm", "pkg:npm/payments-ui@1.0.0"},
	{"requests", "2.31.0", "python", "pkg:pypi/requests@2.31.0"},
	{"stdlib", runtime.Version(), "go-module", "pkg:golang/stdlib@" + strings.TrimPrefix(runtime.Version(), "go")},
}

var debianWant = []pkgID{
	{"libssl3", "3.0.11-1~deb12u2", "deb", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"},
	{"zlib1g", "1:1.2.13.dfsg-1", "deb", "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"},
}

// TestGenerateFromEverySource catalogs images built from real package
// metadata, served from the in-memory registry on loopback, an OCI layout
// and a docker-archive tarball, and asserts the exact packages and PURLs.
func TestGenerateFromEverySource(t *testing.T) {
	ctx := context.Background()
	app := imagetest.Image(t, imagetest.Config{User: "1000"},
		imagetest.Alpine(t), imagetest.Python(t), imagetest.NPM(t), imagetest.GoLayer(t))
	deb := imagetest.Image(t, imagetest.Config{}, imagetest.Debian(t))
	host := imagetest.Registry(t)
	appDigest := imagetest.Push(t, host+"/payments/api:2.3.1", app)
	debDigest := imagetest.Push(t, host+"/payments/db:12", deb)

	tests := []struct {
		src    image.Source
		want   []pkgID
		digest string
		user   string
	}{
		{image.Source{Kind: image.Registry, Ref: host + "/payments/api:2.3.1"}, alpineAppWant, appDigest, "1000"},
		{image.Source{Kind: image.Registry, Ref: host + "/payments/db:12"}, debianWant, debDigest, ""},
		{image.Source{Kind: image.OCILayout, Path: imagetest.Layout(t, "2.3.1", app)}, alpineAppWant, appDigest, "1000"},
		{image.Source{Kind: image.DockerArchive, Path: imagetest.Archive(t, "payments/db:12", deb)}, debianWant, "", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.src.Kind), func(t *testing.T) {
			res, err := Generate(ctx, tt.src, Options{Image: image.Options{Retries: -1}})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(res.SBOM.Packages())); diff != "" {
				t.Errorf("Generate(%s) packages (-want +got):\n%s", tt.src, diff)
			}
			if res.Digest != tt.digest || res.User != tt.user || res.Platform != "linux/amd64" || res.ID == "" {
				t.Errorf("Generate(%s) = digest %q user %q platform %q id %q, want %q %q linux/amd64", tt.src, res.Digest, res.User, res.Platform, res.ID, tt.digest, tt.user)
			}
		})
	}
}

// TestGenerateDir catalogs a folder, where syft also reads lock files.
func TestGenerateDir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package-lock.json"), []byte(imagetest.PackageLock), 0o644)
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name": "payments-ui", "version": "1.0.0"}`), 0o644)
	res, err := Generate(context.Background(), image.Source{Kind: image.Dir, Path: dir}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []pkgID{
		{"lodash", "4.17.20", "npm", "pkg:npm/lodash@4.17.20"},
		{"minimist", "1.2.5", "npm", "pkg:npm/minimist@1.2.5"},
		{"payments-ui", "1.0.0", "npm", "pkg:npm/payments-ui@1.0.0"},
	}
	if diff := cmp.Diff(want, ids(res.SBOM.Packages())); diff != "" {
		t.Errorf("Generate(dir) packages (-want +got):\n%s", diff)
	}
	if _, err := Generate(context.Background(), image.Source{Kind: image.Dir, Path: filepath.Join(dir, "nope")}, Options{}); err == nil || !strings.Contains(err.Error(), "no such folder") {
		t.Errorf("Generate(missing dir) error = %v, want no such folder", err)
	}
}

// TestEncodersValidate checks the CycloneDX and SPDX output against the
// official JSON schemas in testdata/schema.
func TestEncodersValidate(t *testing.T) {
	app := imagetest.Image(t, imagetest.Config{}, imagetest.Alpine(t), imagetest.Python(t), imagetest.NPM(t))
	res, err := Generate(context.Background(), image.Source{Kind: image.OCILayout, Path: imagetest.Layout(t, "", app)}, Options{Tool: "meshproof", ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]string{
		CycloneDXJSON: "http://cyclonedx.org/schema/bom-1.6.schema.json",
		SPDXJSON:      "http://spdx.org/rdf/terms/2.3",
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range []string{"bom-1.6.schema.json", "spdx.schema.json", "jsf-0.82.schema.json", "spdx-schema-2.3.json"} {
		r, err := os.Open(filepath.Join("testdata", "schema", f))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if err := c.AddResource(id, doc); err != nil {
			t.Fatal(err)
		}
	}
	for format, url := range schemas {
		t.Run(format, func(t *testing.T) {
			sch, err := c.Compile(url)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := res.SBOM.Encode(&buf, format); err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(doc); err != nil {
				t.Errorf("%s output does not validate against %s:\n%v", format, url, err)
			}
			// The output names the packages (a schema alone accepts an empty SBOM).
			for _, p := range []string{"pkg:apk/alpine/musl@1.2.5-r0", "pkg:pypi/requests@2.31.0", "pkg:npm/lodash@4.17.20"} {
				if !strings.Contains(buf.String(), p) {
					t.Errorf("%s output lacks %s", format, p)
				}
			}
			if format == CycloneDXJSON {
				var bom struct{ SpecVersion string }
				json.Unmarshal(buf.Bytes(), &bom)
				if bom.SpecVersion != CycloneDXVersion {
					t.Errorf("CycloneDX specVersion = %q, want %q", bom.SpecVersion, CycloneDXVersion)
				}
			}
		})
	}
	var buf bytes.Buffer
	if err := res.SBOM.Encode(&buf, Table); err != nil || !strings.Contains(buf.String(), "requests") {
		t.Errorf("Encode(table) = %q, %v", buf.String(), err)
	}
	if err := res.SBOM.Encode(&buf, "xml"); err == nil {
		t.Errorf("Encode(xml) succeeded, want an unknown format error")
	}
}
