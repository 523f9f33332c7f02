package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/internal/atomicfile"
	"github.com/meshproof/meshproof/meshgen/ca"
)

// Files of a CA folder and of an SVID folder. The SVID folder's names are
// the proxy's default tls files.
const (
	caCertFile  = "ca.pem"
	caKeyFile   = "ca-key.pem"
	svidFile    = "svid.pem"
	svidKeyFile = "svid-key.pem"
	svidBundle  = "bundle.pem"
)

func newCA(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ca",
		Short: "A development CA for a SPIFFE trust domain: roots and X.509 SVIDs",
		Long: `The dev CA issues the certificates meshproof proxies present: X.509 SVIDs with
one SPIFFE ID each, under a root that can only sign identities of its trust
domain. It is for tests, demos and small setups; in production, point the
proxies' tls files at what your CA writes (cert-manager, SPIRE's helper).`,
		Args: cobra.NoArgs,
	}
	var td, out string
	var validity time.Duration
	initCmd := &cobra.Command{
		Use:   "init --trust-domain DOMAIN --out DIR",
		Short: "Make a root CA for a trust domain: DIR/ca.pem and DIR/ca-key.pem",
		Long: `Init makes an ECDSA P-256 root CA for a SPIFFE trust domain. Its name
constraints (critical) permit URI SANs of the trust domain only, DNS names
under it and no IP addresses, and its path length is 0: it signs SVIDs, not
other CAs. DIR/ca.pem is the certificate (the trust bundle), DIR/ca-key.pem
its private key (PKCS #8, mode 0600: keep it off the machines that run
proxies). Existing files are never overwritten.`,
		Example: `  meshproof ca init --trust-domain corp.example --out ca/
  meshproof ca init --trust-domain corp.example --out ca/ --validity 2160h`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCAInit(e, td, out, validity)
		},
	}
	initCmd.Flags().StringVar(&td, "trust-domain", "", "SPIFFE trust domain (required), such as corp.example")
	initCmd.Flags().StringVar(&out, "out", "", "folder to write ca.pem and ca-key.pem to (required)")
	initCmd.Flags().DurationVar(&validity, "validity", ca.DefaultRootValidity, "lifetime of the root")
	initCmd.MarkFlagRequired("trust-domain")
	initCmd.MarkFlagRequired("out")

	var caDir, id, issueOut string
	var ttl time.Duration
	issue := &cobra.Command{
		Use:   "issue --ca DIR --spiffe-id ID --out DIR",
		Short: "Issue an X.509 SVID: DIR/svid.pem, DIR/svid-key.pem and DIR/bundle.pem",
		Long: `Issue makes an X.509 SVID for one SPIFFE ID of the CA's trust domain: exactly
one URI SAN, not a CA, key usage digital signature, extended key usage TLS
server and client (the same certificate serves both ends of mutual TLS), and a
short lifetime (--ttl, default 1h). It writes DIR/svid.pem, DIR/svid-key.pem
(mode 0600) and DIR/bundle.pem (the CA certificate), the file names a proxy
config uses by default. Files are replaced atomically, so running issue again
rotates the certificate under a running proxy, which reloads it.`,
		Example: `  meshproof ca issue --ca ca/ --spiffe-id spiffe://corp.example/ns/payments/sa/api --out certs/
  meshproof ca issue --ca ca/ --spiffe-id spiffe://corp.example/vm/payments-db --ttl 15m --out /etc/meshproof/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCAIssue(e, caDir, id, ttl, issueOut)
		},
	}
	issue.Flags().StringVar(&caDir, "ca", "", "CA folder from meshproof ca init (required)")
	issue.Flags().StringVar(&id, "spiffe-id", "", "SPIFFE ID of the workload or proxy (required)")
	issue.Flags().DurationVar(&ttl, "ttl", ca.DefaultTTL, "lifetime of the certificate")
	issue.Flags().StringVar(&issueOut, "out", "", "folder to write svid.pem, svid-key.pem and bundle.pem to (required)")
	for _, f := range []string{"ca", "spiffe-id", "out"} {
		issue.MarkFlagRequired(f)
	}
	cmd.AddCommand(initCmd, issue)
	return cmd
}

func runCAInit(e *env, td, out string, validity time.Duration) error {
	if validity <= 0 {
		return fmt.Errorf("--validity %s: must be positive", validity)
	}
	certPath, keyPath := filepath.Join(out, caCertFile), filepath.Join(out, caKeyFile)
	for _, p := range []string{certPath, keyPath} {
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s exists: not overwriting a CA", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	certPEM, keyPEM, err := ca.Init(ca.InitOptions{TrustDomain: td, Validity: validity})
	if err != nil {
		return err
	}
	authority, err := ca.Load(certPEM, keyPEM)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := createNewFile(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	if err := createNewFile(certPath, certPEM, 0o644); err != nil {
		os.Remove(keyPath)
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "wrote %s and %s (mode 0600): root CA for trust domain %s, valid until %s\n",
		certPath, keyPath, authority.TrustDomain.Name(), authority.Cert.NotAfter.UTC().Format(time.RFC3339))
	return err
}

func runCAIssue(e *env, caDir, id string, ttl time.Duration, out string) error {
	if ttl <= 0 {
		return fmt.Errorf("--ttl %s: must be positive", ttl)
	}
	certPEM, err := readSignInput(filepath.Join(caDir, caCertFile), 64<<10)
	if err != nil {
		return fmt.Errorf("--ca: %w", err)
	}
	keyPEM, err := readSignInput(filepath.Join(caDir, caKeyFile), 64<<10)
	if err != nil {
		return fmt.Errorf("--ca: %w", err)
	}
	authority, err := ca.Load(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("--ca %s: %w", caDir, err)
	}
	svid, svidKey, err := authority.Issue(ca.IssueOptions{SPIFFEID: id, TTL: ttl})
	if err != nil {
		return err
	}
	if ttl > 24*time.Hour {
		e.log.Warn("SVIDs are meant to be short-lived; rotate with meshproof ca issue instead of long TTLs", "ttl", ttl)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	// The bundle and the key first, the certificate last: a proxy that
	// reloads on the certificate's change finds its key in place.
	for _, f := range []struct {
		name string
		data []byte
		perm os.FileMode
	}{
		{svidBundle, authority.Bundle(), 0o644},
		{svidKeyFile, svidKey, 0o600},
		{svidFile, svid, 0o644},
	} {
		if err := atomicfile.Write(filepath.Join(out, f.name), f.data, f.perm); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(e.stdout, "issued %s, valid for %s; wrote %s, %s (mode 0600) and %s\n", id, ttl,
		filepath.Join(out, svidFile), filepath.Join(out, svidKeyFile), filepath.Join(out, svidBundle))
	return err
}
