package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
)

func newKeys(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the keys that sign proxy configs",
		Args:  cobra.NoArgs,
	}
	var out string
	var noPassword bool
	gen := &cobra.Command{
		Use:   "generate --out PREFIX",
		Short: "Generate an ECDSA P-256 signing key pair: PREFIX.key and PREFIX.pub",
		Long: `Generate writes an ECDSA P-256 private key to PREFIX.key (mode 0600) and its
public key to PREFIX.pub. The private key is encrypted in cosign's format
(ENCRYPTED SIGSTORE PRIVATE KEY: scrypt and NaCl secretbox), so cosign can use
it too, unless --no-password is given. The password comes from
$MESHPROOF_PASSWORD, else $COSIGN_PASSWORD, else it is asked for twice on the
terminal. Existing files are never overwritten.

Give PREFIX.pub to the proxies (--trust-key) and to meshproof verify; keep
PREFIX.key where configs are signed.`,
		Example: `  meshproof keys generate --out signing
  MESHPROOF_PASSWORD=... meshproof keys generate --out ci/signing
  meshproof keys generate --out dev --no-password`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runKeysGenerate(e, out, noPassword)
		},
	}
	gen.Flags().StringVar(&out, "out", "", "path prefix of the key files (required): writes PREFIX.key and PREFIX.pub")
	gen.Flags().BoolVar(&noPassword, "no-password", false, "write the private key unencrypted (PKCS #8)")
	gen.MarkFlagRequired("out")
	cmd.AddCommand(gen)
	return cmd
}

func runKeysGenerate(e *env, prefix string, noPassword bool) error {
	if prefix == "" {
		return errors.New("--out: a path prefix is required")
	}
	keyPath, pubPath := prefix+".key", prefix+".pub"
	for _, p := range []string{keyPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: not overwriting a key", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	var password []byte
	if !noPassword {
		var err error
		if password, err = keyPassword(e, true); errors.Is(err, errNoPassword) {
			return errors.New("no password: set MESHPROOF_PASSWORD (or COSIGN_PASSWORD), run on a terminal, or use --no-password for an unencrypted key")
		} else if err != nil {
			return err
		}
	}
	priv, pub, err := signing.GenerateKey(password)
	if err != nil {
		return err
	}
	if err := createNewFile(keyPath, priv, 0o600); err != nil {
		return err
	}
	if err := createNewFile(pubPath, pub, 0o644); err != nil {
		os.Remove(keyPath)
		return err
	}
	keys, err := signed.ParsePublicKeys(pub)
	if err != nil {
		return err
	}
	id, err := signed.KeyID(keys[0])
	if err != nil {
		return err
	}
	how := "encrypted"
	if noPassword {
		how = "unencrypted"
	}
	_, err = fmt.Fprintf(e.stdout, "wrote %s (%s) and %s\nkey ID %s\n", keyPath, how, pubPath, id)
	return err
}

// createNewFile writes a file that must not exist yet (keys, certificates,
// the files init writes): it never overwrites, and removes what it could
// not finish.
func createNewFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

var errNoPassword = errors.New("no password: set MESHPROOF_PASSWORD (or COSIGN_PASSWORD) or run on a terminal")

// keyPassword returns the private key password: $MESHPROOF_PASSWORD, else
// $COSIGN_PASSWORD, else typed on the terminal (twice when confirm is set,
// for a new key).
func keyPassword(e *env, confirm bool) ([]byte, error) {
	for _, v := range []string{"MESHPROOF_PASSWORD", "COSIGN_PASSWORD"} {
		if p := e.getenv(v); p != "" {
			return []byte(p), nil
		}
	}
	f, ok := e.stdin.(*os.File)
	if !ok || f == nil || !term.IsTerminal(int(f.Fd())) {
		return nil, errNoPassword
	}
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(e.stderr, prompt)
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, fmt.Errorf("read password: %w", err)
		}
		return p, nil
	}
	p, err := ask("Enter password for private key: ")
	if err != nil || !confirm {
		return p, err
	}
	if len(p) == 0 {
		return nil, errors.New("empty password: use --no-password for an unencrypted key")
	}
	again, err := ask("Enter password for private key again: ")
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p, again) {
		return nil, errors.New("the passwords do not match")
	}
	return p, nil
}
