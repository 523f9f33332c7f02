package meshgen_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/meshproof/meshproof/meshgen"
	"github.com/meshproof/meshproof/meshgen/intent"
	"github.com/meshproof/meshproof/meshgen/istio"
	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
)

var now = time.Date(2026, 11, 23, 10, 30, 15, 0, time.UTC)

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func payments(t *testing.T) *intent.Intent {
	t.Helper()
	path := filepath.Join("..", "examples", "payments", "intent.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	in, err := intent.Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestGenerateSignWrite runs gen end to end on the payments example: the
// folder holds the manifests and the signed configs, and each config
// verifies as the proxy verifies it, with rollback protection.
func TestGenerateSignWrite(t *testing.T) {
	in := payments(t)
	key := newKey(t)
	out, err := meshgen.Generate(in, meshgen.Options{Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	if out.Serial != 1 || !out.NotBefore.Equal(now.Add(-meshgen.ClockSkew)) || !out.NotAfter.Equal(out.NotBefore.Add(meshgen.DefaultValidity)) {
		t.Errorf("serial %d valid %s..%s, want 1 from now-5m for 30 days", out.Serial, out.NotBefore, out.NotAfter)
	}
	if err := out.Sign(key); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := out.Write(dir); err != nil {
		t.Fatal(err)
	}
	wantIstio := []string{"mesh.yaml", "namespaces.yaml", "ns-istio-egress.yaml", "ns-istio-ingress.yaml", "ns-payments.yaml", "ns-shop.yaml"}
	if diff := cmp.Diff(wantIstio, listDir(t, filepath.Join(dir, "istio"))); diff != "" {
		t.Errorf("istio/ (-want +got):\n%s", diff)
	}
	wantProxy := []string{"payments-db.yaml", "payments-db.yaml.sigstore.json", "settlement.yaml", "settlement.yaml.sigstore.json"}
	if diff := cmp.Diff(wantProxy, listDir(t, filepath.Join(dir, "proxy"))); diff != "" {
		t.Errorf("proxy/ (-want +got):\n%s", diff)
	}
	keys := []crypto.PublicKey{&key.PublicKey}
	state := filepath.Join(t.TempDir(), "state.json")
	for _, name := range []string{"payments-db.yaml", "settlement.yaml"} {
		c, err := signed.LoadFile(filepath.Join(dir, "proxy", name), keys, signed.Options{Now: at(now), StatePath: state + name})
		if err != nil {
			t.Errorf("signed.LoadFile(%s) = %v", name, err)
			continue
		}
		if c.Spec.Serial != 1 {
			t.Errorf("%s: serial %d", name, c.Spec.Serial)
		}
	}

	// The next run continues the serial from the folder, and the proxy
	// accepts it after the first one.
	prev, err := meshgen.PreviousSerial(dir)
	if err != nil || prev != 1 {
		t.Fatalf("PreviousSerial() = %d, %v; want 1", prev, err)
	}
	next, err := meshgen.Generate(in, meshgen.Options{Now: at(now.Add(time.Hour)), Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	if next.Serial != 2 {
		t.Errorf("next serial = %d, want 2", next.Serial)
	}
	if err := next.Sign(key); err != nil {
		t.Fatal(err)
	}
	if err := next.Write(dir); err != nil {
		t.Fatal(err)
	}
	c, err := signed.LoadFile(filepath.Join(dir, "proxy", "payments-db.yaml"), keys, signed.Options{Now: at(now.Add(time.Hour)), StatePath: state + "payments-db.yaml"})
	if err != nil || c.Spec.Serial != 2 {
		t.Errorf("signed.LoadFile(serial 2 after 1) = %v, %v", c, err)
	}
	// The Istio manifests did not change: same intent, same bytes.
	for _, f := range next.Istio {
		i := slices.IndexFunc(out.Istio, func(g istio.File) bool { return g.Name == f.Name })
		if i < 0 || string(out.Istio[i].Data) != string(f.Data) {
			t.Errorf("%s changed between runs", f.Name)
		}
	}
}

// TestIstioAndProxiesAgree: what the egress gateway checks and presents
// matches what the proxy config says: the gateway verifies the proxy's
// identity, and the proxy allows the gateway's.
func TestIstioAndProxiesAgree(t *testing.T) {
	in := payments(t)
	out, err := meshgen.Generate(in, meshgen.Options{Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	var egress string
	for _, f := range out.Istio {
		if f.Name == "ns-istio-egress.yaml" {
			egress = string(f.Data)
		}
	}
	gateway := in.GatewayID(&in.Spec.Gateways.Egress)
	for _, c := range out.Proxies {
		if c.Config.Spec.Listeners[0].Mode != config.Inbound {
			continue
		}
		if !strings.Contains(egress, "- "+c.Config.Spec.Identity+"\n") {
			t.Errorf("the egress gateway's DestinationRule does not verify %s", c.Config.Spec.Identity)
		}
		if !slices.Contains(c.Config.Spec.Listeners[0].Allow, config.Principal{ID: gateway}) {
			t.Errorf("%s does not allow the egress gateway %s: %+v", c.Name, gateway, c.Config.Spec.Listeners[0].Allow)
		}
		if !strings.Contains(egress, "- "+strings.TrimPrefix(in.SPIFFEID(in.Service("payments-api")), "spiffe://")+"\n") {
			t.Errorf("the egress policy does not name payments-api")
		}
	}
}

func TestSerialAndValidity(t *testing.T) {
	in := payments(t)
	tests := []struct {
		name string
		opts meshgen.Options
		want string // error substring; "" for success
	}{
		{"explicit", meshgen.Options{Serial: 42, Previous: 41, Now: at(now)}, ""},
		{"rollback", meshgen.Options{Serial: 3, Previous: 3, Now: at(now)}, "not higher than 3"},
		{"explicit window", meshgen.Options{NotBefore: now, NotAfter: now.Add(time.Hour), Now: at(now)}, ""},
		{"reversed window", meshgen.Options{NotBefore: now, NotAfter: now.Add(-time.Hour), Now: at(now)}, "is not after notBefore"},
		{"expired", meshgen.Options{NotBefore: now.Add(-2 * time.Hour), NotAfter: now.Add(-time.Hour), Now: at(now)}, "has passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := meshgen.Generate(in, tt.opts)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Generate() = %v, want an error containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Generate() = %v", err)
			}
			for _, c := range out.Proxies {
				s := c.Config.Spec
				if tt.opts.Serial != 0 && s.Serial != tt.opts.Serial || !tt.opts.NotBefore.IsZero() && !s.NotBefore.Equal(tt.opts.NotBefore) {
					t.Errorf("%s: serial %d notBefore %s", c.Name, s.Serial, s.NotBefore)
				}
			}
		})
	}
}

// TestWriteOwnership: gen replaces only what it wrote. A foreign file in
// istio/ or proxy/ stops it before anything changes; files of a previous
// run that are no longer generated are removed.
func TestWriteOwnership(t *testing.T) {
	in := payments(t)
	out, err := meshgen.Generate(in, meshgen.Options{Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Sign(newKey(t)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := out.Write(dir); err != nil {
		t.Fatal(err)
	}
	// A stale file of an earlier run (an intent with another namespace).
	stale := filepath.Join(dir, "istio", "ns-old.yaml")
	if err := os.WriteFile(stale, []byte("# Generated by meshproof gen from intent payments; do not edit\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	staleCfg := filepath.Join(dir, "proxy", "old-db.yaml")
	os.WriteFile(staleCfg, []byte("# Generated by meshproof gen from intent payments\n"), 0o644)
	os.WriteFile(staleCfg+".sigstore.json", []byte("{}"), 0o644)
	// A file someone else put there.
	foreign := filepath.Join(dir, "istio", "hand-written.yaml")
	if err := os.WriteFile(foreign, []byte("apiVersion: v1\nkind: ConfigMap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "proxy", "payments-db.yaml.sigstore.json"))
	if err := out.Sign(newKey(t)); err != nil {
		t.Fatal(err)
	}
	err = out.Write(dir)
	if err == nil || !strings.Contains(err.Error(), "hand-written.yaml was not written by meshproof gen") {
		t.Fatalf("Write(folder with a foreign file) = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "proxy", "payments-db.yaml.sigstore.json"))
	if string(before) != string(after) {
		t.Errorf("a refused Write changed files")
	}
	if err := os.Remove(foreign); err != nil {
		t.Fatal(err)
	}
	if err := out.Write(dir); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	for _, p := range []string{stale, staleCfg, staleCfg + ".sigstore.json"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale %s was not removed: %v", p, err)
		}
	}
	// A config of the folder that does not parse stops the serial count.
	if err := os.WriteFile(filepath.Join(dir, "proxy", "broken.yaml"), []byte("# Generated by meshproof gen\nkind: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := meshgen.PreviousSerial(dir); err == nil || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("PreviousSerial(folder with a broken config) = %v", err)
	}
}

// TestUnsignedWrite: without Sign, configs are written without bundles,
// and the bundles of an earlier signed run are removed (they would not
// match).
func TestUnsignedWrite(t *testing.T) {
	in := payments(t)
	dir := t.TempDir()
	out, err := meshgen.Generate(in, meshgen.Options{Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Sign(newKey(t)); err != nil {
		t.Fatal(err)
	}
	if err := out.Write(dir); err != nil {
		t.Fatal(err)
	}
	unsigned, err := meshgen.Generate(in, meshgen.Options{Now: at(now), Previous: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := unsigned.Write(dir); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"payments-db.yaml", "settlement.yaml"}, listDir(t, filepath.Join(dir, "proxy"))); diff != "" {
		t.Errorf("proxy/ (-want +got):\n%s", diff)
	}
}
