package sbom

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	stereofile "github.com/anchore/stereoscope/pkg/file"
	stereoimage "github.com/anchore/stereoscope/pkg/image"
	"github.com/anchore/syft/syft"
	"github.com/anchore/syft/syft/format/cyclonedxjson"
	"github.com/anchore/syft/syft/format/spdxjson"
	"github.com/anchore/syft/syft/format/syftjson"
	"github.com/anchore/syft/syft/format/table"
	syftsbom "github.com/anchore/syft/syft/sbom"
	"github.com/anchore/syft/syft/source"
	"github.com/anchore/syft/syft/source/directorysource"
	"github.com/anchore/syft/syft/source/stereoscopesource"
	"github.com/google/go-containerregistry/pkg/name"

	// The RPM and nix catalogers read SQLite databases (pure Go driver).
	_ "modernc.org/sqlite"

	"github.com/meshproof/meshproof/scanner/image"
)

// Output formats.
const (
	CycloneDXJSON = "cyclonedx-json"
	SPDXJSON      = "spdx-json"
	SyftJSON      = "syft-json"
	Table         = "table"
)

// CycloneDXVersion is the CycloneDX spec version written: 1.6, which SBOM
// consumers read today (syft's own default is 1.7).
const CycloneDXVersion = "1.6"

// Formats lists the output formats.
func Formats() []string { return []string{CycloneDXJSON, SPDXJSON, SyftJSON, Table} }

// SBOM is the bill of materials of one image or folder.
type SBOM struct {
	s *syftsbom.SBOM // nil until load fills it, for an SBOM from the cache
	// load decodes the full SBOM of a cache entry; sum is its summary.
	load func() (*syftsbom.SBOM, error)
	sum  *summary
	once sync.Once
	err  error
	// fix relabels a cached SBOM for the source asked for now.
	fix func(*syftsbom.SBOM)
	// cache, key and input name the encoded outputs kept in the cache.
	cache      *Cache
	key, input string
}

// full returns the complete SBOM, decoding a cached one on first use.
func (s *SBOM) full() (*syftsbom.SBOM, error) {
	s.once.Do(func() {
		if s.s != nil || s.load == nil {
			return
		}
		s.s, s.err = s.load()
		if s.err == nil && s.fix != nil {
			s.fix(s.s)
		}
	})
	return s.s, s.err
}

// Package is one catalogued component.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Type is syft's package type: apk, deb, rpm, go-module, npm, python...
	Type string `json:"type"`
	PURL string `json:"purl"`
	// Licenses are SPDX expressions where syft could read them, else the
	// licence text as declared.
	Licenses []string `json:"licenses"`
	// Locations are the paths the package was found at.
	Locations []string `json:"locations"`
}

// Packages lists the SBOM's packages sorted by name, version and PURL.
func (s *SBOM) Packages() []Package {
	if s.sum != nil {
		return slices.Clone(s.sum.Packages)
	}
	out := []Package{}
	for _, p := range s.s.Artifacts.Packages.Sorted() {
		pk := Package{Name: p.Name, Version: p.Version, Type: string(p.Type), PURL: p.PURL, Licenses: []string{}, Locations: []string{}}
		for _, l := range p.Licenses.ToSlice() {
			pk.Licenses = append(pk.Licenses, cmp.Or(l.SPDXExpression, l.Value))
		}
		for _, l := range p.Locations.ToSlice() {
			pk.Locations = append(pk.Locations, l.RealPath)
		}
		out = append(out, pk)
	}
	slices.SortStableFunc(out, func(a, b Package) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.PURL, b.PURL))
	})
	return out
}

// Distro is the Linux distribution of the image ("" fields when none was found).
func (s *SBOM) Distro() (id, versionID string) {
	if s.sum != nil {
		return s.sum.DistroID, s.sum.DistroVersion
	}
	if d := s.s.Artifacts.LinuxDistribution; d != nil {
		return d.ID, d.VersionID
	}
	return "", ""
}

// Encode writes the SBOM in one of Formats. With a cache, the output is
// kept, and written again as it was for the same image, source and format.
func (s *SBOM) Encode(w io.Writer, format string) error {
	if _, err := encoder(format); err != nil {
		return err
	}
	if s.cache == nil {
		return s.encode(w, format)
	}
	path := s.cache.outPath(s.key, format, s.input)
	okey := s.key + "\x00" + format + "\x00" + s.input
	if body, err := readFile(path, okey); err == nil && body != nil {
		_, err := w.Write(body)
		return err
	}
	var buf bytes.Buffer
	if err := s.encode(&buf, format); err != nil {
		return err
	}
	// A cache that cannot be written costs the next run time, not this one its output.
	_ = s.cache.writeFile(path, okey, buf.Bytes())
	_, err := w.Write(buf.Bytes())
	return err
}

func (s *SBOM) encode(w io.Writer, format string) error {
	enc, err := encoder(format)
	if err != nil {
		return err
	}
	full, err := s.full()
	if err != nil {
		return err
	}
	if err := enc.Encode(w, *full); err != nil {
		return fmt.Errorf("encode SBOM as %s: %w", format, err)
	}
	return nil
}

func encoder(format string) (syftsbom.FormatEncoder, error) {
	switch format {
	case CycloneDXJSON:
		cfg := cyclonedxjson.DefaultEncoderConfig()
		cfg.Version = CycloneDXVersion
		return cyclonedxjson.NewFormatEncoderWithConfig(cfg)
	case SPDXJSON:
		return spdxjson.NewFormatEncoderWithConfig(spdxjson.DefaultEncoderConfig())
	case SyftJSON:
		return syftjson.NewFormatEncoderWithConfig(syftjson.DefaultEncoderConfig())
	case Table:
		return table.NewFormatEncoder(), nil
	}
	return nil, fmt.Errorf("unknown SBOM format %q (want one of %s)", format, strings.Join(Formats(), ", "))
}

// Options direct Generate.
type Options struct {
	// Image says how images are fetched (platform, insecure registries, credentials).
	Image image.Options
	// Cache keeps SBOMs by image digest; nil means no cache.
	Cache *Cache
	// Tool and ToolVersion name the program in the SBOM's creation info.
	Tool, ToolVersion string
}

// Result is an SBOM with what was learned about its image.
type Result struct {
	SBOM   *SBOM
	Source image.Source
	// Digest is the image's manifest digest ("" for docker-archive and dir sources).
	Digest string
	// IndexDigest is the digest of the multi-platform index the image was
	// chosen from, "" when there was none.
	IndexDigest string
	// ID is the image ID (the digest of its config), "" for a folder.
	ID       string
	Platform string
	// User is the user the image config runs as ("" means root).
	User string
	// Cached is true when the SBOM came from the cache.
	Cached bool
	// CacheProblem says why a cache entry was not used (it was corrupt and
	// has been rebuilt), or why the new SBOM could not be stored; "" when
	// the cache behaved.
	CacheProblem string
}

// Generate builds the SBOM of src. For an image with a digest the cache
// (opts.Cache) is consulted first; a corrupt entry is rebuilt.
func Generate(ctx context.Context, src image.Source, opts Options) (*Result, error) {
	if src.Kind == image.Dir {
		return generateDir(ctx, src, opts)
	}
	img, err := image.Open(ctx, src, opts.Image)
	if err != nil {
		return nil, err
	}
	res := &Result{Source: src, Digest: img.Digest, IndexDigest: img.IndexDigest, ID: img.ID, Platform: img.Platform, User: img.Config.Config.User}
	key := cacheKey(img)
	if opts.Cache != nil {
		s, err := opts.Cache.get(key)
		switch {
		case err == nil && s != nil:
			res.SBOM, res.Cached = s, true
			s.input = userInput(src)
			s.fix = func(full *syftsbom.SBOM) { relabel(full, src, img) }
			return res, nil
		case err != nil:
			res.CacheProblem = err.Error()
		}
	}
	s, err := catalogImage(ctx, src, img, opts)
	if err != nil {
		return nil, err
	}
	res.SBOM = s
	if opts.Cache != nil {
		s.cache, s.key, s.input = opts.Cache, key, userInput(src)
		if err := opts.Cache.put(key, s); err != nil {
			res.CacheProblem = strings.TrimPrefix(res.CacheProblem+"; ", "; ") + err.Error()
		}
	}
	return res, nil
}

// cacheKey names an image's SBOM in the cache: its manifest digest, or its
// config digest for a docker-archive (which has no manifest digest), and the
// syft version that catalogued it.
func cacheKey(img *image.Image) string {
	id := "manifest:" + img.Digest
	if img.Digest == "" {
		id = "config:" + img.ID
	}
	return id + "\x00syft " + syftVersion()
}

func catalogImage(ctx context.Context, src image.Source, img *image.Image, opts Options) (*SBOM, error) {
	tmp := stereofile.NewTempDirGenerator("meshproof-sbom")
	defer tmp.Cleanup()
	dir, err := tmp.NewDirectory("image")
	if err != nil {
		return nil, fmt.Errorf("sbom %s: %w", src, err)
	}
	var meta []stereoimage.AdditionalMetadata
	if img.Digest != "" {
		meta = append(meta, stereoimage.WithManifestDigest(img.Digest))
		if raw, err := img.Image.RawManifest(); err == nil && src.Kind != image.DockerArchive {
			meta = append(meta, stereoimage.WithManifest(raw))
		}
	}
	if src.Kind == image.Registry {
		if ref, err := name.ParseReference(src.Ref); err == nil {
			if t, ok := ref.(name.Tag); ok {
				meta = append(meta, stereoimage.WithTags(t.String()))
			}
			if img.Digest != "" {
				meta = append(meta, stereoimage.WithRepoDigests(ref.Context().Name()+"@"+img.Digest))
			}
		}
	}
	simg := stereoimage.New(img.Image, tmp, dir, meta...)
	if err := simg.Read(ctx); err != nil {
		simg.Cleanup()
		return nil, fmt.Errorf("sbom %s: read image layers: %w", src, err)
	}
	ssrc := stereoscopesource.New(simg, stereoscopesource.ImageConfig{Reference: userInput(src)})
	defer ssrc.Close()
	return create(ctx, src, ssrc, opts)
}

func generateDir(ctx context.Context, src image.Source, opts Options) (*Result, error) {
	info, err := os.Stat(src.Path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("sbom %s: %s: no such folder", src, src.Path)
		}
		return nil, fmt.Errorf("sbom %s: %w", src, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("sbom %s: %s is not a folder", src, src.Path)
	}
	ssrc, err := directorysource.NewFromPath(src.Path)
	if err != nil {
		return nil, fmt.Errorf("sbom %s: %w", src, err)
	}
	defer ssrc.Close()
	s, err := create(ctx, src, ssrc, opts)
	if err != nil {
		return nil, err
	}
	return &Result{SBOM: s, Source: src}, nil
}

func create(ctx context.Context, src image.Source, ssrc source.Source, opts Options) (*SBOM, error) {
	cfg := syft.DefaultCreateSBOMConfig()
	if opts.Tool != "" {
		cfg = cfg.WithTool(opts.Tool, opts.ToolVersion)
	}
	lctx, err := licenseContext()
	if err != nil {
		return nil, fmt.Errorf("sbom %s: %w", src, err)
	}
	s, err := syft.CreateSBOM(withValues(ctx, lctx), ssrc, cfg)
	if err != nil {
		return nil, fmt.Errorf("sbom %s: catalog: %w", src, err)
	}
	return &SBOM{s: s}, nil
}

// userInput is the name the SBOM gives its source.
func userInput(src image.Source) string {
	if src.Kind == image.Registry {
		return src.Ref
	}
	return src.Path
}

// relabel gives a cached SBOM the name of the source it was asked for
// now (the same image may be cached under another tag or path).
func relabel(s *syftsbom.SBOM, src image.Source, img *image.Image) {
	md, ok := s.Source.Metadata.(source.ImageMetadata)
	if !ok {
		return
	}
	md.UserInput = userInput(src)
	s.Source.Metadata = md
	s.Source.Name = userInput(src)
	s.Source.Version = ""
	if src.Kind == image.Registry {
		if ref, err := name.ParseReference(src.Ref); err == nil {
			s.Source.Name = ref.Context().Name()
			if t, ok := ref.(name.Tag); ok {
				s.Source.Version = t.TagStr()
			}
		}
	}
	if s.Source.Version == "" {
		s.Source.Version = cmp.Or(img.Digest, img.ID)
	}
}

// licenseContext holds the licence scanner every SBOM shares: building one
// costs a third of a second, which a scan of many images pays once.
var licenseContext = sync.OnceValues(func() (context.Context, error) {
	return syft.SetContextLicenseScanner(context.Background(), syft.DefaultCreateSBOMConfig().Licenses)
})

// valuesCtx is ctx (its deadline and cancellation) with the values of
// extra where ctx has none.
type valuesCtx struct {
	context.Context
	extra context.Context
}

func (c valuesCtx) Value(key any) any {
	if v := c.Context.Value(key); v != nil {
		return v
	}
	return c.extra.Value(key)
}

func withValues(ctx, extra context.Context) context.Context { return valuesCtx{ctx, extra} }

var syftVersionOnce = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/anchore/syft" {
				return d.Version
			}
		}
	}
	return "unknown"
})

// syftVersion is the version of syft linked into the program.
func syftVersion() string { return syftVersionOnce() }
