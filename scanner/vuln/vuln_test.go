package vuln

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// installed are packages as syft names them (PURLs from its catalogers).
var installed = []Package{
	{"lodash", "4.17.20", "pkg:npm/lodash@4.17.20"},
	{"requests", "2.31.0", "pkg:pypi/requests@2.31.0"},
	{"libssl3", "3.0.11-1~deb12u2", "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"},
	{"zlib1g", "1:1.2.13.dfsg-1", "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"},
	{"musl", "1.2.5-r0", "pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=alpine-3.20.3"},
	{"busybox", "1.36.1-r29", "pkg:apk/alpine/busybox@1.36.1-r29?arch=x86_64&distro=alpine-3.20.3"},
	{"github.com/google/go-cmp", "v0.7.0", "pkg:golang/github.com/google/go-cmp@v0.7.0"},
	{"log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
	{"log4j-core", "2.17.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1"},
	{"openssl-libs", "3.0.7-24.el9", "pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&epoch=1&distro=rocky-9.3"},
	{"unknown", "1.0", "pkg:generic/unknown@1.0"},
}

// hit is what the tests compare of a vulnerability.
type hit struct {
	ID, Package, Installed, Fixed, Severity string
	CVSS                                    float64
}

func TestMatch(t *testing.T) {
	f, err := LoadFeed(filepath.Join("testdata", "feed"))
	if err != nil {
		t.Fatal(err)
	}
	var got []hit
	vs := f.Match(installed)
	for _, v := range vs {
		got = append(got, hit{v.ID, v.Package, v.Installed, v.Fixed, v.Severity, v.CVSS})
	}
	want := []hit{
		{"TEST-GO-0001", "github.com/google/go-cmp", "v0.7.0", "", "MEDIUM", 0},
		{"DSA-5678-1", "libssl3", "3.0.11-1~deb12u2", "3.0.13-1~deb12u1", "", 0},
		{"GHSA-35jh-r3h4-6jhm", "lodash", "4.17.20", "4.17.21", "HIGH", 7.2},
		{"GHSA-jfh8-c2jp-5v3q", "log4j-core", "2.14.1", "2.15.0", "CRITICAL", 10},
		{"ALPINE-CVE-2025-26519", "musl", "1.2.5-r0", "1.2.5-r1", "HIGH", 8.1},
		{"RLSA-2024:0001", "openssl-libs", "3.0.7-24.el9", "1:3.0.7-25.el9_3", "HIGH", 7.5},
		{"GHSA-9wx4-h78v-vm56", "requests", "2.31.0", "2.32.0", "MEDIUM", 5.6},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Match() (-want +got):\n%s", diff)
	}
	for _, v := range vs {
		if v.ID == "GHSA-35jh-r3h4-6jhm" && !cmp.Equal(v.Aliases, []string{"CVE-2021-23337"}) {
			t.Errorf("lodash aliases = %v, want the CVE record folded in", v.Aliases)
		}
		if v.File == "" || v.Modified.IsZero() {
			t.Errorf("%s: no file or modified time", v.ID)
		}
	}
	if f.Info.Advisories != 12 {
		t.Errorf("Info.Advisories = %d, want 12 (the withdrawn one left out)", f.Info.Advisories)
	}
	if want := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC); !f.Info.Date.Equal(want) {
		t.Errorf("Info.Date = %v, want the newest modified time %v (withdrawn advisories excluded)", f.Info.Date, want)
	}
	if got := f.Age(time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)); got != 10 {
		t.Errorf("Age = %d days, want 10", got)
	}
	wantEco := []string{"Alpine", "Debian", "Go", "Maven", "PyPI", "Rocky Linux", "npm"}
	if !cmp.Equal(f.Info.Ecosystems, wantEco) {
		t.Errorf("Info.Ecosystems = %v, want %v", f.Info.Ecosystems, wantEco)
	}
}

// TestLoadFeedZip reads osv.dev's per-ecosystem all.zip archives.
func TestLoadFeedZip(t *testing.T) {
	dir := t.TempDir()
	zf, _ := os.Create(filepath.Join(dir, "all.zip"))
	zw := zip.NewWriter(zf)
	src, _ := os.ReadFile(filepath.Join("testdata", "feed", "npm", "GHSA-35jh-r3h4-6jhm.json"))
	w, _ := zw.Create("GHSA-35jh-r3h4-6jhm.json")
	w.Write(src)
	zw.Close()
	zf.Close()
	f, err := LoadFeed(dir)
	if err != nil {
		t.Fatal(err)
	}
	if vs := f.Match(installed[:1]); len(vs) != 1 || !strings.HasSuffix(vs[0].File, "all.zip!GHSA-35jh-r3h4-6jhm.json") {
		t.Errorf("Match from a zip = %+v, want one lodash advisory from all.zip", vs)
	}
}

func TestLoadFeedErrors(t *testing.T) {
	write := func(name, content string) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
		return dir
	}
	tests := []struct {
		dir  string
		want string
	}{
		{filepath.Join(t.TempDir(), "missing"), "no such folder"},
		{t.TempDir(), "no OSV advisories found"},
		{write("a.json", "{\n  \"id\": \"X-1\",\n  \"modified\": nope\n}"), "a.json:3: not JSON"},
		{write("b.json", `{"id": "X-1"}`), "b.json: advisory X-1 has no modified time"},
		{write("c.json", `{"modified": "2026-01-01T00:00:00Z"}`), "c.json: not an OSV advisory: no id"},
		{write("d.json", `{"id": "X-1", "modified": "2026-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "SEMVER", "events": []}]}]}`), "has no events"},
		{write("e.json", `{"id": "X-1", "modified": "2026-01-01T00:00:00Z", "affected": "npm"}`), "e.json:1: field affected"},
		{write("f.zip", "not a zip"), "f.zip: not a readable zip archive"},
	}
	for _, tt := range tests {
		_, err := LoadFeed(tt.dir)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadFeed(%s) error = %v, want %q", tt.dir, err, tt.want)
		}
	}
}

func TestParsePURL(t *testing.T) {
	got, err := ParsePURL("pkg:npm/%40angular/core@16.0.0?arch=x&distro=debian-12#sub")
	want := PURL{Type: "npm", Namespace: "@angular", Name: "core", Version: "16.0.0", Qualifiers: map[string]string{"arch": "x", "distro": "debian-12"}}
	if err != nil || !cmp.Equal(got, want) {
		t.Errorf("ParsePURL = %+v, %v, want %+v", got, err, want)
	}
	for _, bad := range []string{"npm/lodash", "pkg:npm", "pkg:/x", "pkg:npm/%zz"} {
		if _, err := ParsePURL(bad); err == nil {
			t.Errorf("ParsePURL(%q) succeeded, want an error", bad)
		}
	}
}
