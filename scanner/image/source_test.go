package image

import (
	"context"
	"encoding/base64"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/meshproof/meshproof/scanner/image/imagetest"
)

var quick = Options{Retries: -1}

func TestOpenRegistryTagAndDigest(t *testing.T) {
	host := imagetest.Registry(t)
	img := imagetest.Image(t, imagetest.Config{User: "1000"}, imagetest.Alpine(t))
	digest := imagetest.Push(t, host+"/payments/api:2.3.1", img)
	ctx := context.Background()

	got, err := Resolve(ctx, host+"/payments/api:2.3.1", quick)
	if err != nil || got != digest {
		t.Fatalf("Resolve(tag) = %q, %v, want %q", got, err, digest)
	}
	for _, ref := range []string{host + "/payments/api:2.3.1", host + "/payments/api@" + digest} {
		src, err := ParseSource(ref)
		if err != nil {
			t.Fatal(err)
		}
		o, err := Open(ctx, src, quick)
		if err != nil {
			t.Fatalf("Open(%s): %v", ref, err)
		}
		if o.Digest != digest || o.Platform != "linux/amd64" || o.Config.Config.User != "1000" || o.IndexDigest != "" {
			t.Errorf("Open(%s) = digest %s platform %s user %q index %q, want %s linux/amd64 1000", ref, o.Digest, o.Platform, o.Config.Config.User, o.IndexDigest, digest)
		}
	}
}

func TestOpenIndexChoosesPlatform(t *testing.T) {
	host := imagetest.Registry(t)
	amd := imagetest.Image(t, imagetest.Config{}, imagetest.Alpine(t))
	arm := imagetest.Image(t, imagetest.Config{Architecture: "arm64"}, imagetest.Debian(t))
	idx := imagetest.Index(t, amd, arm)
	idxDigest := imagetest.PushIndex(t, host+"/multi:1", idx)
	armDigest, _ := arm.Digest()
	amdDigest, _ := amd.Digest()
	ctx := context.Background()
	for _, tt := range []struct{ platform, want string }{{"", amdDigest.String()}, {"linux/arm64", armDigest.String()}} {
		o, err := Open(ctx, Source{Kind: Registry, Ref: host + "/multi:1"}, Options{Platform: tt.platform, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		if o.Digest != tt.want || o.IndexDigest != idxDigest {
			t.Errorf("Open(platform %q) = %s from %s, want %s from %s", tt.platform, o.Digest, o.IndexDigest, tt.want, idxDigest)
		}
	}
	_, err := Open(ctx, Source{Kind: Registry, Ref: host + "/multi:1"}, Options{Platform: "linux/s390x", Retries: -1})
	if err == nil || !strings.Contains(err.Error(), "no image for platform linux/s390x") || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("Open(linux/s390x) error = %v, want no image for platform, listing what there is", err)
	}
	// An OCI layout holding the index chooses the same way.
	dir := filepath.Join(t.TempDir(), "oci")
	p, err := layoutWrite(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	o, err := Open(ctx, Source{Kind: OCILayout, Path: dir}, Options{Platform: "linux/arm64"})
	if err != nil || o.Digest != armDigest.String() {
		t.Errorf("Open(layout, arm64) = %v, %v, want %s", o, err, armDigest)
	}
}

func TestOpenLayoutAndArchive(t *testing.T) {
	img := imagetest.Image(t, imagetest.Config{}, imagetest.Debian(t))
	digest, _ := img.Digest()
	id, _ := img.ConfigName()
	ctx := context.Background()
	dir := imagetest.Layout(t, "v1", img)
	for _, src := range []Source{{Kind: OCILayout, Path: dir}, {Kind: OCILayout, Path: dir, Ref: "v1"}, {Kind: OCILayout, Path: dir, Ref: digest.String()}} {
		o, err := Open(ctx, src, Options{})
		if err != nil || o.Digest != digest.String() || o.ID != id.String() {
			t.Errorf("Open(%s) = %+v, %v, want digest %s", src, o, err, digest)
		}
	}
	tar := imagetest.Archive(t, "payments/api:1", img)
	o, err := Open(ctx, Source{Kind: DockerArchive, Path: tar}, Options{})
	if err != nil || o.ID != id.String() || o.Digest != "" {
		t.Errorf("Open(docker-archive) = %+v, %v, want ID %s and no digest", o, err, id)
	}
}

// TestOpenErrors: every way a source can be wrong is an error that names it.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	host := imagetest.Registry(t)
	img := imagetest.Image(t, imagetest.Config{}, imagetest.Alpine(t))
	dir := imagetest.Layout(t, "v1", img)
	imagetest.Push(t, host+"/api:1", img)
	corrupt := filepath.Join(t.TempDir(), "corrupt.tar")
	os.WriteFile(corrupt, []byte("this is not a tarball at all"), 0o644)
	// An unreachable registry: a port that was listening and is closed now.
	closed := httptest.NewServer(http.NotFoundHandler())
	gone := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()
	tests := []struct {
		src  Source
		want string
	}{
		{Source{Kind: Registry, Ref: host + "/missing:1"}, "NAME_UNKNOWN"},
		{Source{Kind: Registry, Ref: host + "/api:9"}, "MANIFEST_UNKNOWN"},
		{Source{Kind: Registry, Ref: gone + "/api:1"}, "connection refused"},
		{Source{Kind: OCILayout, Path: dir, Ref: "sha256:" + hex64}, "the layout has no manifest sha256:" + hex64},
		{Source{Kind: OCILayout, Path: dir, Ref: "v9"}, `no image tagged "v9"`},
		{Source{Kind: OCILayout, Path: filepath.Join(dir, "nope")}, "no such file or folder"},
		{Source{Kind: OCILayout, Path: t.TempDir()}, "not an OCI layout"},
		{Source{Kind: DockerArchive, Path: corrupt}, "not a readable docker-archive tarball"},
		{Source{Kind: DockerArchive, Path: corrupt + ".missing"}, "no such file or folder"},
		{Source{Kind: Dir, Path: "."}, "a folder is not an image"},
	}
	for _, tt := range tests {
		_, err := Open(ctx, tt.src, quick)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.src.String()) {
			t.Errorf("Open(%s) error = %v, want it to name the source and say %q", tt.src, err, tt.want)
		}
	}
	if _, err := Open(ctx, Source{Kind: OCILayout, Path: dir}, Options{Platform: "linux"}); err == nil || !strings.Contains(err.Error(), "want os/arch") {
		t.Errorf("Open(platform linux) error = %v, want a platform error", err)
	}
}

// TestKeychainAndInsecure: credentials come from the docker config the
// keychain reads, and a TLS registry with an unverifiable certificate is
// refused unless it is named insecure.
func TestKeychainAndInsecure(t *testing.T) {
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("ci:s3cret"))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != auth {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		reg.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "https://")
	// 127.0.0.1 is plain HTTP by default for go-containerregistry; name the
	// registry by "localhost" to make it a TLS registry.
	host = "localhost" + host[strings.LastIndex(host, ":"):]

	cfgDir := t.TempDir()
	conf := `{"auths": {"` + host + `": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("ci:s3cret")) + `"}}}`
	os.WriteFile(filepath.Join(cfgDir, "config.json"), []byte(conf), 0o600)
	t.Setenv("DOCKER_CONFIG", cfgDir)

	img := imagetest.Image(t, imagetest.Config{}, imagetest.Alpine(t))
	ref := host + "/private/api:1"
	insecure := Options{Insecure: []string{host}, Retries: -1, Keychain: authn.DefaultKeychain}
	if err := pushWith(ref, img, insecure); err != nil {
		t.Fatalf("push: %v", err)
	}
	if _, err := Open(context.Background(), Source{Kind: Registry, Ref: ref}, insecure); err != nil {
		t.Errorf("Open with the keychain and --insecure-registry: %v", err)
	}
	_, err := Open(context.Background(), Source{Kind: Registry, Ref: ref}, quick)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Open without --insecure-registry error = %v, want a certificate error", err)
	}
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	_, err = Open(context.Background(), Source{Kind: Registry, Ref: ref}, insecure)
	if err == nil || !strings.Contains(err.Error(), "UNAUTHORIZED") && !strings.Contains(err.Error(), "401") {
		t.Errorf("Open without credentials error = %v, want unauthorized", err)
	}
}
