package cli

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/internal/atomicfile"
	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
)

func newSign(e *env) *cobra.Command {
	var keyPath string
	cmd := &cobra.Command{
		Use:   "sign --key KEY FILE...",
		Short: "Sign files (proxy configs, reports): writes FILE.sigstore.json beside each FILE",
		Long: `Sign signs each FILE with the private key KEY and writes a Sigstore bundle
(v0.3 JSON) to FILE.sigstore.json. The bundle holds a DSSE envelope with an
in-toto statement about the file: its name and SHA-256, and a predicate.

A proxy config (kind ProxyConfig) gets the predicate
https://meshproof.dev/proxy-config/v1 with the config's name, serial, identity
and validity window; it must be a valid config. meshproof-proxy runs a config
only when the bundle beside it verifies with a trusted key. Any other file (an
audit report, an SBOM, a manifest) gets https://meshproof.dev/signed-file/v1
with its size; the proxy never accepts those. cosign verifies both offline:

  cosign verify-blob-attestation --key signing.pub --bundle FILE.sigstore.json \
    --type <predicate type> --insecure-ignore-tlog FILE

KEY is a key from meshproof keys generate or cosign generate-key-pair; the
password of an encrypted key comes from $MESHPROOF_PASSWORD, else
$COSIGN_PASSWORD, else the terminal. Nothing is written unless every FILE
could be signed.`,
		Example: `  meshproof sign --key signing.key out/proxy/payments-db.yaml
  MESHPROOF_PASSWORD=... meshproof sign --key signing.key out/proxy/*.yaml
  meshproof sign --key signing.key audit/report.html audit/report.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSign(e, keyPath, args)
		},
	}
	cmd.Flags().StringVar(&keyPath, "key", "", "private key file (required)")
	cmd.MarkFlagRequired("key")
	return cmd
}

// loadSigningKey reads a private key file, asking for the password of an
// encrypted one (see keyPassword).
func loadSigningKey(e *env, keyPath string) (*ecdsa.PrivateKey, error) {
	pemData, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("--key: %w", err)
	}
	var password []byte
	if signing.Encrypted(pemData) {
		password, err = keyPassword(e, false)
		if errors.Is(err, errNoPassword) {
			// cosign allows an empty password: try it before giving up.
			if _, lerr := signing.LoadPrivateKey(pemData, nil); lerr == nil {
				err = nil
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s is encrypted: %w", keyPath, err)
		}
	}
	key, err := signing.LoadPrivateKey(pemData, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", keyPath, err)
	}
	return key, nil
}

func runSign(e *env, keyPath string, files []string) error {
	key, err := loadSigningKey(e, keyPath)
	if err != nil {
		return err
	}

	// Sign everything first, so that a bad file leaves no partial result.
	type result struct {
		path   string
		bundle []byte
		cfg    *config.Config // nil for other files
		size   int
		sha256 [sha256.Size]byte
	}
	var results []result
	for _, path := range files {
		data, err := readSignInput(path, signing.MaxFileSize)
		if err != nil {
			return err
		}
		r := result{path: path, size: len(data), sha256: sha256.Sum256(data)}
		if signing.IsProxyConfig(data) {
			if r.bundle, err = signing.SignConfig(data, filepath.Base(path), key); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if r.cfg, err = config.Parse(data); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		} else if r.bundle, err = signing.SignFile(data, filepath.Base(path), key); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		results = append(results, r)
	}
	for _, r := range results {
		out := r.path + signed.BundleSuffix
		if err := atomicfile.Write(out, r.bundle, 0o644); err != nil {
			return err
		}
		if r.cfg == nil {
			fmt.Fprintf(e.stdout, "signed %s: file of %d bytes, sha256:%x -> %s\n", r.path, r.size, r.sha256, out)
			continue
		}
		fmt.Fprintf(e.stdout, "signed %s: %s serial %d, valid until %s -> %s\n",
			r.path, r.cfg.Metadata.Name, r.cfg.Spec.Serial, r.cfg.Spec.NotAfter.UTC().Format(time.RFC3339), out)
		if !time.Now().Before(r.cfg.Spec.NotAfter) {
			e.log.Warn("signed config has already expired", "file", r.path, "notAfter", r.cfg.Spec.NotAfter)
		}
	}
	return nil
}

// readSignInput reads a file of at most max bytes.
func readSignInput(path string, max int64) ([]byte, error) {
	data, err := readUpTo(path, max+1)
	if err == nil && int64(len(data)) > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return data, err
}

// readUpTo reads at most n bytes of a file.
func readUpTo(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}
