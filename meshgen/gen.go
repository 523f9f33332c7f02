package meshgen

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/meshproof/meshproof/internal/atomicfile"
	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/istio"
	"github.com/meshproof/meshproof/meshgen/proxyconf"
	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
)

// Subfolders of the output folder.
const (
	IstioDir = "istio"
	ProxyDir = "proxy"
)

// Defaults of the proxy configs' validity window.
const (
	// DefaultValidity is how long a generated proxy config may run.
	DefaultValidity = 30 * 24 * time.Hour
	// ClockSkew backdates notBefore, so that a proxy whose clock is a
	// little behind the signer's accepts a config at once.
	ClockSkew = 5 * time.Minute
)

// Options direct one generation.
type Options struct {
	// Serial is the proxy configs' serial number; 0 means one more than
	// the highest serial of the configs in the output folder (PreviousSerial),
	// or 1 when there are none.
	Serial uint64
	// Previous is the highest serial of the configs already written (see
	// PreviousSerial); an explicit Serial must be higher.
	Previous uint64
	// NotBefore and NotAfter bound the configs' validity; when zero,
	// NotBefore is Now minus ClockSkew and NotAfter NotBefore plus
	// DefaultValidity.
	NotBefore, NotAfter time.Time
	// Now returns the current time (time.Now when nil).
	Now func() time.Time
}

// Output is what one generation produced.
type Output struct {
	Istio   []istio.File
	Proxies []proxyconf.Config
	// Bundles holds the Sigstore bundle of each proxy config by file name,
	// once Sign has run.
	Bundles map[string][]byte
	// Serial, NotBefore and NotAfter are the proxy configs' (zero when the
	// intent implies no proxy).
	Serial              uint64
	NotBefore, NotAfter time.Time
}

// Generate writes the Istio manifests and proxy configs of an intent.
func Generate(in *intent.Intent, opts Options) (*Output, error) {
	files, err := istio.Generate(in)
	if err != nil {
		return nil, err
	}
	out := &Output{Istio: files}
	if !needsProxies(in) {
		return out, nil
	}
	serial := opts.Serial
	switch {
	case serial == 0:
		serial = opts.Previous + 1
	case serial <= opts.Previous:
		return nil, fmt.Errorf("serial %d is not higher than %d, the last serial written: the proxies would refuse the configs as a rollback", serial, opts.Previous)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	nb, na := opts.NotBefore, opts.NotAfter
	if nb.IsZero() {
		nb = now().UTC().Truncate(time.Second).Add(-ClockSkew)
	}
	if na.IsZero() {
		na = nb.Add(DefaultValidity)
	}
	if !na.After(nb) {
		return nil, fmt.Errorf("notAfter %s is not after notBefore %s", na.Format(time.RFC3339), nb.Format(time.RFC3339))
	}
	if !na.After(now()) {
		return nil, fmt.Errorf("notAfter %s has passed: the proxies would refuse the configs as expired", na.Format(time.RFC3339))
	}
	cfgs, err := proxyconf.Generate(in, proxyconf.Options{Serial: serial, NotBefore: nb, NotAfter: na})
	if err != nil {
		return nil, err
	}
	out.Proxies, out.Serial, out.NotBefore, out.NotAfter = cfgs, serial, nb.UTC(), na.UTC()
	return out, nil
}

func needsProxies(in *intent.Intent) bool {
	if len(in.Spec.Clients) > 0 {
		return true
	}
	for _, e := range in.Spec.Externals {
		if e.Proxy != nil {
			return true
		}
	}
	return false
}

// Sign signs every proxy config with key.
func (o *Output) Sign(key *ecdsa.PrivateKey) error {
	o.Bundles = map[string][]byte{}
	for _, c := range o.Proxies {
		b, err := signing.SignConfig(c.Data, c.File, key)
		if err != nil {
			return err
		}
		o.Bundles[c.File] = b
	}
	return nil
}

// owned reports whether a file in istio/ or proxy/ was written by gen: a
// manifest or config starting with the header, or the bundle of one.
func owned(dir, name string) (bool, error) {
	base := strings.TrimSuffix(name, signed.BundleSuffix)
	if base != name {
		return owned(dir, base)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return bytes.HasPrefix(data, []byte(istio.Header)) || bytes.HasPrefix(data, []byte(proxyconf.Header)), nil
}

// PreviousSerial returns the highest serial of the proxy configs in
// dir/proxy (0 when there are none). A config there that does not parse is
// an error: the next serial cannot be known.
func PreviousSerial(dir string) (uint64, error) {
	pd := filepath.Join(dir, ProxyDir)
	entries, err := os.ReadDir(pd)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var max uint64
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		path := filepath.Join(pd, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, err
		}
		if !bytes.HasPrefix(data, []byte(proxyconf.Header)) {
			continue
		}
		c, err := config.Parse(data)
		if err != nil {
			return 0, fmt.Errorf("%s: %w (the next serial must be higher than its serial)", path, err)
		}
		max = maxU(max, c.Spec.Serial)
	}
	return max, nil
}

func maxU(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// Write puts the output in dir: dir/istio holds the manifests, dir/proxy
// the proxy configs and their bundles. Files gen wrote before and no
// longer writes are removed; a file there that gen did not write is an
// error, and nothing is changed then. Each file is replaced atomically
// (a temporary file renamed over it). Configs that were not signed (Sign
// not called) are written without bundles, for `meshproof sign` to sign.
func (o *Output) Write(dir string) error {
	want := map[string]map[string][]byte{IstioDir: {}, ProxyDir: {}}
	for _, f := range o.Istio {
		want[IstioDir][f.Name] = f.Data
	}
	for _, c := range o.Proxies {
		want[ProxyDir][c.File] = c.Data
		if b, ok := o.Bundles[c.File]; ok {
			want[ProxyDir][c.File+signed.BundleSuffix] = b
		}
	}
	// Check first, so that a refusal leaves the folder as it was.
	stale := map[string][]string{}
	for _, sub := range []string{IstioDir, ProxyDir} {
		d := filepath.Join(dir, sub)
		entries, err := os.ReadDir(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") && strings.Contains(e.Name(), ".tmp-") {
				continue // a temporary file of an interrupted run
			}
			ok := e.Type().IsRegular()
			if ok {
				var err error
				if ok, err = owned(d, e.Name()); err != nil {
					return err
				}
			}
			if !ok {
				return fmt.Errorf("%s was not written by meshproof gen: not replacing the folder (use another --out, or move the file)", filepath.Join(d, e.Name()))
			}
			if _, keep := want[sub][e.Name()]; !keep {
				stale[sub] = append(stale[sub], e.Name())
			}
		}
	}
	for _, sub := range []string{IstioDir, ProxyDir} {
		files := want[sub]
		if len(files) == 0 && len(stale[sub]) == 0 {
			continue
		}
		d := filepath.Join(dir, sub)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if err := atomicfile.Write(filepath.Join(d, n), files[n], 0o644); err != nil {
				return err
			}
		}
		for _, n := range stale[sub] {
			if err := os.Remove(filepath.Join(d, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
