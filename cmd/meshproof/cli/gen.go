package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshproof/meshproof/meshgen"
	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/proxy/signed"
)

type genFlags struct {
	intent    string
	out       string
	key       string
	noSign    bool
	serial    uint64
	notBefore string
	notAfter  string
	validFor  time.Duration
}

func newGen(e *env) *cobra.Command {
	var f genFlags
	cmd := &cobra.Command{
		Use:   "gen --intent FILE --out DIR --key KEY",
		Short: "Generate hardened Istio manifests and signed proxy configs from an intent",
		Long: `Gen reads an intent file (services, identities, who may call whom, what the
ingress gateway publishes, external resources; see docs/gen.md) and writes:

  DIR/istio/  Istio and Kubernetes manifests: mesh-wide STRICT mTLS, default-deny
              and exact-principal AuthorizationPolicies, Sidecar egress scoping,
              NetworkPolicies, the ingress Gateway (HTTPS only, TLS 1.2+), egress
              through the egress gateway with TLS origination. They pass
              meshproof check. The same intent gives the same bytes.
  DIR/proxy/  a config for every meshproof proxy the intent implies (inbound in
              front of an external resource, outbound for a client outside the
              mesh), each signed with KEY into NAME.yaml.sigstore.json.

Proxy configs carry a serial number, one higher than the highest found in
DIR/proxy (or --serial, which must be higher), and a validity window: from
--not-before (default: now minus 5 minutes, for clock skew) for --valid-for
(default 720h) or until --not-after. The key's password comes from
$MESHPROOF_PASSWORD, else $COSIGN_PASSWORD, else the terminal.

Gen owns DIR/istio and DIR/proxy: files it wrote before and no longer writes are
removed, and a file there it did not write stops it before anything changes.
Nothing is written unless the whole intent is valid.

Exit codes: 0 written; 2 the intent is invalid (file:line: reason), a flag is
wrong, or the output could not be written.`,
		Example: `  meshproof gen --intent mesh.yaml --key signing.key --out out/
  meshproof gen --intent mesh.yaml --out out/ --no-sign      # sign later: meshproof sign
  meshproof gen --intent mesh.yaml --key signing.key --out out/ --serial 42 --valid-for 168h
  meshproof check out/istio`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGen(e, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.intent, "intent", "", "intent file (required)")
	fl.StringVar(&f.out, "out", "", "output folder (required): writes istio/ and proxy/ in it")
	fl.StringVar(&f.key, "key", "", "private key that signs the proxy configs (from meshproof keys generate or cosign)")
	fl.BoolVar(&f.noSign, "no-sign", false, "write the proxy configs unsigned (the proxies refuse them until meshproof sign signs them)")
	fl.Uint64Var(&f.serial, "serial", 0, "serial number of the proxy configs (default: one more than the highest in DIR/proxy)")
	fl.StringVar(&f.notBefore, "not-before", "", "start of the configs' validity, RFC 3339 (default: now minus 5m)")
	fl.StringVar(&f.notAfter, "not-after", "", "end of the configs' validity, RFC 3339 (default: --not-before plus --valid-for)")
	fl.DurationVar(&f.validFor, "valid-for", meshgen.DefaultValidity, "how long the configs may run, from --not-before")
	cmd.MarkFlagRequired("intent")
	cmd.MarkFlagRequired("out")
	cmd.MarkFlagsMutuallyExclusive("key", "no-sign")
	return cmd
}

func runGen(e *env, f *genFlags) error {
	if f.out == "" {
		return errors.New("--out: an output folder is required")
	}
	if f.validFor <= 0 {
		return fmt.Errorf("--valid-for %s: must be positive", f.validFor)
	}
	opts := meshgen.Options{Serial: f.serial}
	var err error
	if f.notBefore != "" {
		if opts.NotBefore, err = time.Parse(time.RFC3339, f.notBefore); err != nil {
			return fmt.Errorf("--not-before %q: not an RFC 3339 time (2026-11-23T00:00:00Z)", f.notBefore)
		}
	}
	if f.notAfter != "" {
		if opts.NotAfter, err = time.Parse(time.RFC3339, f.notAfter); err != nil {
			return fmt.Errorf("--not-after %q: not an RFC 3339 time (2026-12-23T00:00:00Z)", f.notAfter)
		}
	} else if !opts.NotBefore.IsZero() || f.validFor != meshgen.DefaultValidity {
		nb := opts.NotBefore
		if nb.IsZero() {
			nb = time.Now().UTC().Truncate(time.Second).Add(-meshgen.ClockSkew)
			opts.NotBefore = nb
		}
		opts.NotAfter = nb.Add(f.validFor)
	}
	data, err := readSignInput(f.intent, intent.MaxSize)
	if err != nil {
		return err
	}
	in, err := intent.Parse(f.intent, data)
	if err != nil {
		return err
	}
	if opts.Previous, err = meshgen.PreviousSerial(f.out); err != nil {
		return err
	}
	out, err := meshgen.Generate(in, opts)
	if err != nil {
		return err
	}
	signedBy := ""
	if len(out.Proxies) > 0 {
		switch {
		case f.key != "":
			key, err := loadSigningKey(e, f.key)
			if err != nil {
				return err
			}
			if err := out.Sign(key); err != nil {
				return err
			}
			id, err := signed.KeyID(&key.PublicKey)
			if err != nil {
				return err
			}
			signedBy = ", signed by key " + id[:16]
		case !f.noSign:
			return fmt.Errorf("the intent implies %d proxy configs: give --key to sign them (or --no-sign to sign them later with meshproof sign)", len(out.Proxies))
		default:
			signedBy = ", NOT signed"
		}
	}
	if err := out.Write(f.out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d manifest files to %s\n", len(out.Istio), filepath.Join(f.out, meshgen.IstioDir))
	if len(out.Proxies) == 0 {
		return nil
	}
	fmt.Fprintf(e.stdout, "wrote %d proxy configs to %s: serial %d, valid %s to %s%s\n", len(out.Proxies), filepath.Join(f.out, meshgen.ProxyDir),
		out.Serial, out.NotBefore.Format(time.RFC3339), out.NotAfter.Format(time.RFC3339), signedBy)
	for _, c := range out.Proxies {
		modes := map[string]bool{}
		for _, l := range c.Config.Spec.Listeners {
			modes[l.Mode] = true
		}
		mode := "inbound"
		if modes["outbound"] {
			mode = "outbound"
		}
		fmt.Fprintf(e.stdout, "  %s: %s proxy %s\n", c.File, mode, c.Config.Spec.Identity)
	}
	if f.noSign {
		e.log.Warn("proxy configs are not signed: the proxies refuse them until meshproof sign signs them", "folder", filepath.Join(f.out, meshgen.ProxyDir))
	}
	return nil
}
