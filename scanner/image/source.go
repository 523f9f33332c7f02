package image

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Kind says where an image lives.
type Kind string

// Source kinds, named as the source prefixes users write.
const (
	Registry      Kind = "registry"
	OCILayout     Kind = "oci-layout"
	DockerArchive Kind = "docker-archive"
	Dir           Kind = "dir"
)

// Source is where one image lives.
type Source struct {
	Kind Kind
	// Ref is the registry reference (Registry), or the tag or digest that
	// chooses one image of an OCI layout ("" when the layout holds one).
	Ref string
	// Path is the OCI layout folder, the tarball or the folder.
	Path string
}

// String is the source as users write it.
func (s Source) String() string {
	switch s.Kind {
	case Registry:
		return s.Ref
	case OCILayout:
		if strings.HasPrefix(s.Ref, "sha256:") {
			return "oci-layout:" + s.Path + "@" + s.Ref
		}
		if s.Ref != "" {
			return "oci-layout:" + s.Path + ":" + s.Ref
		}
	}
	return string(s.Kind) + ":" + s.Path
}

// ParseSource reads a source: "registry:REF" or a plain reference,
// "oci-layout:PATH[@sha256:HEX|:TAG]", "docker-archive:PATH" or "dir:PATH".
func ParseSource(s string) (Source, error) {
	prefix, rest, ok := strings.Cut(s, ":")
	if ok {
		switch Kind(prefix) {
		case Registry:
			return registrySource(rest)
		case OCILayout:
			if rest == "" {
				return Source{}, fmt.Errorf("source %q: oci-layout needs a folder", s)
			}
			src := Source{Kind: OCILayout, Path: rest}
			if p, d, ok := strings.Cut(rest, "@"); ok {
				if _, err := v1.NewHash(d); err != nil {
					return Source{}, fmt.Errorf("source %q: %q is not a sha256 digest", s, d)
				}
				src.Path, src.Ref = p, d
			} else if i := strings.LastIndex(rest, ":"); i > 0 && !strings.Contains(rest[i:], "/") {
				src.Path, src.Ref = rest[:i], rest[i+1:]
			}
			return src, nil
		case DockerArchive, Dir:
			if rest == "" {
				return Source{}, fmt.Errorf("source %q: %s needs a path", s, prefix)
			}
			return Source{Kind: Kind(prefix), Path: rest}, nil
		}
	}
	return registrySource(s)
}

func registrySource(ref string) (Source, error) {
	if _, err := name.ParseReference(ref); err != nil {
		return Source{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	return Source{Kind: Registry, Ref: ref}, nil
}

// Options direct how images are fetched. The zero value uses the docker
// config keychain, verifies TLS, and picks linux/amd64 from a
// multi-platform index.
type Options struct {
	// Platform chooses the image of a multi-platform index ("linux/arm64");
	// "" means linux/amd64.
	Platform string
	// Insecure names the registries (host or host:port) that may be
	// reached over plain HTTP or with an unverified TLS certificate.
	Insecure []string
	// Keychain finds credentials; authn.DefaultKeychain (docker's config,
	// $DOCKER_CONFIG) when nil.
	Keychain authn.Keychain
	// Transport is the HTTP transport; a clone of http.DefaultTransport when nil.
	Transport http.RoundTripper
	// Retries is how often a failed registry request is tried again (2 when 0; -1 for none).
	Retries int
}

// DefaultPlatform is chosen from multi-platform indexes when none is asked for.
const DefaultPlatform = "linux/amd64"

// Image is an image opened from its source. Nothing but its manifest and
// config has been read.
type Image struct {
	Source Source
	// Digest is the manifest digest of the image (for a registry
	// reference by tag, the digest the tag resolved to; for a docker-archive,
	// which carries no manifest, "").
	Digest string
	// IndexDigest is the digest of the multi-platform index the image was
	// chosen from, "" when the source named a single image.
	IndexDigest string
	// ID is the image ID: the digest of its config.
	ID       string
	Platform string
	Config   *v1.ConfigFile
	Image    v1.Image
}

// Open reads the image behind src: a registry reference, an OCI layout or a
// docker-archive tarball (a dir: source is not an image; see the sbom
// package). Errors name the source and say what is wrong.
func Open(ctx context.Context, src Source, opts Options) (*Image, error) {
	platform, err := parsePlatform(opts.Platform)
	if err != nil {
		return nil, err
	}
	var img *Image
	switch src.Kind {
	case Registry:
		img, err = openRemote(ctx, src, platform, opts)
	case OCILayout:
		img, err = openLayout(src, platform)
	case DockerArchive:
		img, err = openArchive(src)
	case Dir:
		return nil, fmt.Errorf("open %s: a folder is not an image", src)
	default:
		return nil, fmt.Errorf("open %s: unknown source kind %q", src, src.Kind)
	}
	if err != nil {
		return nil, err
	}
	img.Source = src
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("open %s: read image config: %w", src, err)
	}
	id, err := img.Image.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("open %s: image config digest: %w", src, err)
	}
	img.Config, img.ID = cfg, id.String()
	img.Platform = platformString(cfg.Platform())
	if img.IndexDigest == "" && cfg.OS != "" && !matches(cfg.Platform(), platform) && opts.Platform != "" {
		return nil, fmt.Errorf("open %s: the image is for %s, not %s", src, img.Platform, opts.Platform)
	}
	return img, nil
}

// parsePlatform reads "os/arch[/variant]".
func parsePlatform(s string) (v1.Platform, error) {
	if s == "" {
		s = DefaultPlatform
	}
	p, err := v1.ParsePlatform(s)
	if err != nil || p.OS == "" || p.Architecture == "" {
		return v1.Platform{}, fmt.Errorf("platform %q: want os/arch[/variant], such as linux/arm64", s)
	}
	return *p, nil
}

func platformString(p *v1.Platform) string {
	if p == nil || p.OS == "" {
		return ""
	}
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

func matches(have *v1.Platform, want v1.Platform) bool {
	if have == nil {
		return false
	}
	return have.OS == want.OS && have.Architecture == want.Architecture &&
		(want.Variant == "" || have.Variant == want.Variant)
}

// nameOptions are the reference parsing options for a registry.
func (o Options) insecure(registry string) bool {
	return slices.Contains(o.Insecure, registry)
}

// ParseReference parses a registry reference, marking it insecure when its
// registry is one of opts.Insecure.
func (o Options) ParseReference(ref string) (name.Reference, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	if o.insecure(r.Context().RegistryStr()) {
		r, err = name.ParseReference(ref, name.Insecure)
		if err != nil {
			return nil, fmt.Errorf("image reference %q: %w", ref, err)
		}
	}
	return r, nil
}

func (o Options) remoteOptions(ctx context.Context, ref name.Reference) []remote.Option {
	kc := o.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	tr := o.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if o.insecure(ref.Context().RegistryStr()) {
			t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // only for registries the user named insecure
		}
		tr = t
	}
	retries := o.Retries
	if retries == 0 {
		retries = 2
	}
	steps := max(1, retries+1)
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithTransport(tr),
		remote.WithUserAgent("meshproof"),
		remote.WithRetryBackoff(remote.Backoff{Duration: 200 * time.Millisecond, Factor: 3, Jitter: 0.1, Steps: steps}),
	}
}

// Resolve returns the manifest digest a registry reference names now (a tag
// is resolved with one HEAD request; a digest reference is returned as is).
func Resolve(ctx context.Context, ref string, opts Options) (string, error) {
	r, err := opts.ParseReference(ref)
	if err != nil {
		return "", err
	}
	if d, ok := r.(name.Digest); ok {
		return d.DigestStr(), nil
	}
	desc, err := remote.Head(r, opts.remoteOptions(ctx, r)...)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", ref, err)
	}
	return desc.Digest.String(), nil
}

func openRemote(ctx context.Context, src Source, platform v1.Platform, opts Options) (*Image, error) {
	r, err := opts.ParseReference(src.Ref)
	if err != nil {
		return nil, err
	}
	ropts := opts.remoteOptions(ctx, r)
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	out := &Image{}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("open %s: read index: %w", src, err)
		}
		d, err := choose(idx, platform)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", src, err)
		}
		out.IndexDigest = desc.Digest.String()
		out.Digest = d.String()
		img, err := remote.Image(r.Context().Digest(d.String()), ropts...)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", src, err)
		}
		out.Image = img
		return out, nil
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src, err)
	}
	out.Image, out.Digest = img, desc.Digest.String()
	return out, nil
}

// choose picks the manifest for platform from an index.
func choose(idx v1.ImageIndex, platform v1.Platform) (v1.Hash, error) {
	m, err := idx.IndexManifest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("read index: %w", err)
	}
	var have []string
	for _, d := range m.Manifests {
		if !d.MediaType.IsImage() || d.Platform == nil {
			continue
		}
		if matches(d.Platform, platform) {
			return d.Digest, nil
		}
		if s := platformString(d.Platform); s != "unknown/unknown" {
			have = append(have, s)
		}
	}
	return v1.Hash{}, fmt.Errorf("no image for platform %s in the index (it has %s); choose one with --platform", platformString(&platform), strings.Join(have, ", "))
}

func openLayout(src Source, platform v1.Platform) (*Image, error) {
	if _, err := os.Stat(src.Path); err != nil {
		return nil, fmt.Errorf("open %s: %w", src, pathError(err))
	}
	p, err := layout.FromPath(src.Path)
	if err != nil {
		return nil, fmt.Errorf("open %s: not an OCI layout (no readable index.json): %w", src, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("open %s: read index.json: %w", src, err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("open %s: read index.json: %w", src, err)
	}
	var pick *v1.Descriptor
	switch {
	case strings.HasPrefix(src.Ref, "sha256:"):
		for i, d := range m.Manifests {
			if d.Digest.String() == src.Ref {
				pick = &m.Manifests[i]
			}
		}
		if pick == nil {
			return nil, fmt.Errorf("open %s: the layout has no manifest %s", src, src.Ref)
		}
	case src.Ref != "":
		for i, d := range m.Manifests {
			if n := d.Annotations["org.opencontainers.image.ref.name"]; n == src.Ref || strings.HasSuffix(n, ":"+src.Ref) {
				pick = &m.Manifests[i]
			}
		}
		if pick == nil {
			return nil, fmt.Errorf("open %s: the layout has no image tagged %q (org.opencontainers.image.ref.name)", src, src.Ref)
		}
	default:
		if len(m.Manifests) != 1 {
			return nil, fmt.Errorf("open %s: the layout holds %d manifests; choose one with @sha256:... or :TAG", src, len(m.Manifests))
		}
		pick = &m.Manifests[0]
	}
	out := &Image{}
	var img v1.Image
	if pick.MediaType.IsIndex() {
		child, err := idx.ImageIndex(pick.Digest)
		if err != nil {
			return nil, fmt.Errorf("open %s: read index %s: %w", src, pick.Digest, pathError(err))
		}
		d, err := choose(child, platform)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", src, err)
		}
		out.IndexDigest = pick.Digest.String()
		pick = &v1.Descriptor{Digest: d}
		img, err = child.Image(d)
	} else {
		img, err = p.Image(pick.Digest)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: read manifest %s: %w", src, pick.Digest, pathError(err))
	}
	if _, err := img.Manifest(); err != nil {
		return nil, fmt.Errorf("open %s: read manifest %s: %w", src, pick.Digest, pathError(err))
	}
	out.Image, out.Digest = img, pick.Digest.String()
	return out, nil
}

func openArchive(src Source) (*Image, error) {
	f, err := os.Open(src.Path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", src, pathError(err))
	}
	f.Close()
	img, err := tarball.ImageFromPath(src.Path, nil)
	if err != nil {
		return nil, fmt.Errorf("open %s: not a readable docker-archive tarball: %w", src, err)
	}
	return &Image{Image: img}, nil
}

func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no such file or folder", pe.Path)
	}
	return err
}
