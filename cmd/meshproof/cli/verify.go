package cli

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
)

func newVerify(e *env) *cobra.Command {
	var keyPaths []string
	var statePath string
	cmd := &cobra.Command{
		Use:   "verify --key PUB [--key PUB2] FILE...",
		Short: "Verify signed files (proxy configs, reports) against the bundle beside each FILE",
		Long: `Verify checks each FILE against FILE.sigstore.json: the Sigstore bundle, the
DSSE payload type, the signature with any of the trusted public keys (give --key
twice during a key rotation), and the in-toto statement's subject (the file's
name and SHA-256). The check then depends on the signed predicate type:

  https://meshproof.dev/proxy-config/v1  a proxy config, checked exactly as
      meshproof-proxy does before it runs one: the signed predicate against the
      config, and the validity window; it prints the config's serial.
  https://meshproof.dev/signed-file/v1   any other file (a report): its size.

Rollback protection needs the proxy's state file and is off unless --state
names one; then a config older than the recorded one is refused, and an
accepted newer one is recorded. --state does not apply to other files.

Exit codes: 0 every FILE verifies; 1 at least one does not (unsigned,
tampered, wrong key, expired, rolled back, unknown predicate); 2 input could
not be read (a missing FILE or key, a key that is not an ECDSA P-256 PEM
public key, a signed config that does not parse, an unusable state file).`,
		Example: `  meshproof verify --key signing.pub out/proxy/payments-db.yaml
  meshproof verify --key signing.pub audit/report.html
  meshproof verify --key old.pub --key new.pub out/proxy/*.yaml
  meshproof verify --key signing.pub --state /var/lib/meshproof/state.json /etc/meshproof/db.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(e, keyPaths, statePath, args)
		},
	}
	cmd.Flags().StringArrayVar(&keyPaths, "key", nil, "trusted public key file (PEM); repeatable, required")
	cmd.Flags().StringVar(&statePath, "state", "", "rollback state file to check against and update (default: no rollback check)")
	cmd.MarkFlagRequired("key")
	return cmd
}

func runVerify(e *env, keyPaths []string, statePath string, files []string) error {
	var keys []crypto.PublicKey
	for _, p := range keyPaths {
		data, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("--key: %w", err)
		}
		k, err := signed.ParsePublicKeys(data)
		if err != nil {
			return fmt.Errorf("--key %s: %w", p, err)
		}
		keys = append(keys, k...)
	}
	opts := signed.Options{StatePath: statePath}
	code := ExitOK
	for _, path := range files {
		v, sum, err := verifyFile(path, keys, opts)
		reason := signed.Reason(err)
		if errors.Is(err, signing.ErrUnknownPredicate) {
			reason = "unknown_predicate"
		}
		switch reason {
		case "":
			if c := v.Config; c != nil {
				fmt.Fprintf(e.stdout, "OK   %s: subject %s sha256:%x, %s serial %d, valid until %s\n",
					path, filepath.Base(path), sum, c.Metadata.Name, c.Spec.Serial, c.Spec.NotAfter.UTC().Format(time.RFC3339))
			} else {
				fmt.Fprintf(e.stdout, "OK   %s: subject %s sha256:%x, file of %d bytes\n", path, filepath.Base(path), sum, v.Size)
			}
		case "error", "state", "invalid_config":
			printError(e.stderr, err)
			code = ExitError
		default:
			fmt.Fprintf(e.stdout, "FAIL %s: %s (%v)\n", path, reason, err)
			if code == ExitOK {
				code = ExitFindings
			}
		}
	}
	if code != ExitOK {
		return &exitError{code: code}
	}
	return nil
}

// verifyFile reads FILE and its bundle and verifies them by the bundle's
// predicate type (a proxy config as the proxy checks it, any other file by
// name and digest); it also returns the SHA-256 of the bytes it verified.
func verifyFile(path string, keys []crypto.PublicKey, opts signed.Options) (*signing.Verified, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	data, err := readSignInput(path, signing.MaxFileSize)
	if err != nil {
		return nil, sum, err
	}
	sum = sha256.Sum256(data)
	// One byte more than a bundle may have, for Verify to refuse.
	bundle, err := readUpTo(path+signed.BundleSuffix, signed.MaxBundleSize+1)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, sum, fmt.Errorf("no %s beside it: %w", path+signed.BundleSuffix, signed.ErrUnsigned)
	}
	if err != nil {
		return nil, sum, err
	}
	v, err := signing.Verify(data, bundle, filepath.Base(path), keys, opts)
	return v, sum, err
}
