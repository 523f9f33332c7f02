package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/meshproof/meshproof/scanner/image"
	"github.com/meshproof/meshproof/scanner/sbom"
)

// imageFlags are how sbom and scan fetch and cache images.
type imageFlags struct {
	platform string
	insecure []string
	cacheDir string
	noCache  bool
}

func (f *imageFlags) add(fl *pflag.FlagSet) {
	fl.StringVar(&f.platform, "platform", "", "platform to choose from a multi-platform image: os/arch[/variant] (default linux/amd64)")
	fl.StringArrayVar(&f.insecure, "insecure-registry", nil, "registry (host[:port]) that may be reached over plain HTTP or with an unverified certificate; repeatable")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "SBOM cache folder (default: meshproof/sbom under the user cache folder)")
	fl.BoolVar(&f.noCache, "no-cache", false, "neither read nor write the SBOM cache")
}

func (f *imageFlags) options(e *env) (sbom.Options, error) {
	opts := sbom.Options{
		Image:       image.Options{Platform: f.platform, Insecure: f.insecure},
		Tool:        "meshproof",
		ToolVersion: Version(),
	}
	if f.noCache {
		return opts, nil
	}
	dir := f.cacheDir
	if dir == "" {
		var err error
		if dir, err = sbom.DefaultCacheDir(); err != nil {
			return opts, err
		}
	}
	c, err := sbom.OpenCache(dir)
	if err != nil {
		return opts, err
	}
	opts.Cache = c
	return opts, nil
}

func newSBOM(e *env) *cobra.Command {
	var f imageFlags
	var output, file string
	cmd := &cobra.Command{
		Use:   "sbom [flags] SOURCE",
		Short: "Write the SBOM of an image, OCI layout, docker-archive tarball or folder",
		Long: `Sbom catalogs the software in one image with syft (as a library; no syft process,
no container daemon) and writes its bill of materials: CycloneDX 1.6 JSON, SPDX
2.3 JSON or syft JSON through syft's own encoders, or a table for people.

SOURCE is a registry reference (registry.example.com/payments/api:2.3.1 or
...@sha256:..., credentials from the docker config), oci-layout:PATH (add
@sha256:... or :TAG when the layout holds several images), docker-archive:PATH
(docker save output) or dir:PATH. --platform chooses from multi-platform images.

SBOMs of images with a digest are cached under the user cache folder
(--cache-dir), so an unchanged image costs only the lookup of its manifest; a
corrupt cache entry is rebuilt, never trusted. Nothing else is downloaded.

Exit codes: 0 the SBOM was written; 2 it could not be made (missing image,
unreachable registry, unreadable tarball or layout, bad flags).`,
		Example: `  meshproof sbom registry.example.com/payments@sha256:<digest> -o cyclonedx-json > payments.cdx.json
  meshproof sbom oci-layout:./build/oci -o spdx-json
  meshproof sbom docker-archive:./image.tar
  meshproof sbom dir:./rootfs
  meshproof sbom --platform linux/arm64 --insecure-registry localhost:5000 localhost:5000/api:dev`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := image.ParseSource(args[0])
			if err != nil {
				return err
			}
			if !contains(sbom.Formats(), output) {
				return fmt.Errorf("--output: unknown format %q (want one of %s)", output, strings.Join(sbom.Formats(), ", "))
			}
			opts, err := f.options(e)
			if err != nil {
				return err
			}
			res, err := sbom.Generate(cmd.Context(), src, opts)
			if err != nil {
				return err
			}
			if res.CacheProblem != "" {
				e.log.Warn(res.CacheProblem)
			}
			e.log.Debug("sbom", "source", src.String(), "digest", res.Digest, "platform", res.Platform, "cached", res.Cached, "packages", len(res.SBOM.Packages()))
			var w io.Writer = e.stdout
			var fh *os.File
			if file != "" {
				if fh, err = os.Create(file); err != nil {
					return fmt.Errorf("--file: %w", err)
				}
				w = fh
			}
			err = res.SBOM.Encode(w, output)
			if fh != nil {
				if cerr := fh.Close(); err == nil {
					err = cerr
				}
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&output, "output", "o", sbom.Table, "format: "+strings.Join(sbom.Formats(), ", "))
	fl.StringVar(&file, "file", "", "write the SBOM to this file instead of standard output")
	f.add(fl)
	return cmd
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
