package signed_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
)

// now is inside the validity window of configYAML's default window.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// configYAML is a valid proxy config with the given serial and window.
func configYAML(serial int, notBefore, notAfter string) []byte {
	return fmt.Appendf(nil, `apiVersion: meshproof.dev/v1alpha1
kind: ProxyConfig
metadata:
  name: payments-db
spec:
  serial: %d
  notBefore: %q
  notAfter: %q
  identity: spiffe://corp.example/vm/payments-db
  tls:
    certFile: /etc/meshproof/svid.pem
    keyFile: /etc/meshproof/svid-key.pem
    bundleFile: /etc/meshproof/bundle.pem
  listeners:
  - name: postgres
    mode: inbound
    listen: 0.0.0.0:15432
    forward: 127.0.0.1:5432
    allow:
    - id: spiffe://corp.example/ns/payments/sa/payments-api
`, serial, notBefore, notAfter)
}

func defaultConfig(serial int) []byte {
	return configYAML(serial, "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sign(t testing.TB, cfg []byte, name string, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := signing.SignConfig(cfg, name, key)
	if err != nil {
		t.Fatalf("SignConfig: %v", err)
	}
	return b
}

// signRaw builds a bundle around any payload type and payload, signed
// properly, to test what the verifier does with signed but wrong content.
func signRaw(t testing.TB, key *ecdsa.PrivateKey, payloadType string, payload []byte) []byte {
	t.Helper()
	digest := sha256.Sum256(dsse.PAE(payloadType, payload))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(signed.Bundle{
		MediaType:    signed.BundleMediaType,
		DSSEEnvelope: signed.Envelope{Payload: payload, PayloadType: payloadType, Signatures: []signed.Signature{{Sig: sig}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// statementFor returns the statement SignConfig would sign, as a map to edit.
func statementFor(t testing.TB, cfg []byte, name string) map[string]any {
	t.Helper()
	var b signed.Bundle
	if err := json.Unmarshal(sign(t, cfg, name, newKey(t)), &b); err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b.DSSEEnvelope.Payload, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// editBundle decodes a bundle, lets edit change it and encodes it again.
func editBundle(t testing.TB, bundle []byte, edit func(*signed.Bundle)) []byte {
	t.Helper()
	var b signed.Bundle
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	edit(&b)
	return mustJSON(t, b)
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

func TestVerify(t *testing.T) {
	const name = "payments-db.yaml"
	oldKey, newKey2, otherKey := newKey(t), newKey(t), newKey(t)
	cfg := defaultConfig(7)
	good := sign(t, cfg, name, oldKey)
	byNew := sign(t, cfg, name, newKey2)
	trusted := []crypto.PublicKey{&oldKey.PublicKey}
	rotation := []crypto.PublicKey{&oldKey.PublicKey, &newKey2.PublicKey}

	wrongPredicate := statementFor(t, cfg, name)
	wrongPredicate["predicateType"] = "https://slsa.dev/provenance/v1"
	wrongType := statementFor(t, cfg, name)
	wrongType["_type"] = "https://in-toto.io/Statement/v0.1"
	twoSubjects := statementFor(t, cfg, name)
	twoSubjects["subject"] = append(twoSubjects["subject"].([]any), map[string]any{"name": "x", "digest": map[string]any{"sha256": "00"}})
	otherSerial := statementFor(t, cfg, name)
	otherSerial["predicate"].(map[string]any)["serial"] = 8
	otherIdentity := statementFor(t, cfg, name)
	otherIdentity["predicate"].(map[string]any)["identity"] = "spiffe://corp.example/vm/other"
	otherWindow := statementFor(t, cfg, name)
	otherWindow["predicate"].(map[string]any)["notAfter"] = "2099-01-01T00:00:00Z"
	extraField := statementFor(t, cfg, name)
	extraField["predicate"].(map[string]any)["version"] = 7
	invalidCfg := bytes.Replace(cfg, []byte("serial: 7"), []byte("serial: 0"), 1)
	invalidStatement := statementFor(t, cfg, name)
	sum := sha256.Sum256(invalidCfg)
	invalidStatement["subject"].([]any)[0].(map[string]any)["digest"] = map[string]any{"sha256": fmt.Sprintf("%x", sum)}

	var goodB signed.Bundle
	if err := json.Unmarshal(good, &goodB); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		config []byte
		bundle []byte
		file   string
		keys   []crypto.PublicKey
		now    time.Time
		want   error // nil: accepted
	}{
		{name: "valid", bundle: good},
		{name: "rotation: old key", bundle: good, keys: rotation},
		{name: "rotation: new key", bundle: byNew, keys: rotation},
		{name: "new key not yet trusted", bundle: byNew, want: signed.ErrBadSignature},
		{name: "wrong key", bundle: good, keys: []crypto.PublicKey{&otherKey.PublicKey}, want: signed.ErrBadSignature},
		{name: "flipped byte in config", config: flip(cfg, len(cfg)/2), bundle: good, want: signed.ErrDigestMismatch},
		{name: "byte appended to config", config: append(bytes.Clone(cfg), '\n'), bundle: good, want: signed.ErrDigestMismatch},
		{name: "flipped byte in payload", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.DSSEEnvelope.Payload = flip(b.DSSEEnvelope.Payload, 40)
		}), want: signed.ErrBadSignature},
		{name: "flipped byte in signature", bundle: editBundle(t, good, func(b *signed.Bundle) {
			s := b.DSSEEnvelope.Signatures[0].Sig
			b.DSSEEnvelope.Signatures[0].Sig = flip(s, len(s)-3)
		}), want: signed.ErrBadSignature},
		{name: "signature truncated", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.DSSEEnvelope.Signatures[0].Sig = b.DSSEEnvelope.Signatures[0].Sig[:10]
		}), want: signed.ErrBadSignature},
		{name: "payload type changed", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.DSSEEnvelope.PayloadType = "application/vnd.in-toto+json; charset=utf-8"
		}), want: signed.ErrPayloadType},
		{name: "unknown payload type, validly signed", bundle: signRaw(t, oldKey, "application/octet-stream", goodB.DSSEEnvelope.Payload), want: signed.ErrPayloadType},
		{name: "keyid and hint are hints only", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.VerificationMaterial.PublicKey.Hint = "not-the-key"
			b.DSSEEnvelope.Signatures[0].KeyID = "SHA256:whatever"
		})},
		{name: "tlog entries and timestamps are read, not used", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.VerificationMaterial.TlogEntries = []json.RawMessage{json.RawMessage(`{"logIndex":"1"}`)}
			b.VerificationMaterial.TimestampVerificationData = json.RawMessage(`{"rfc3161Timestamps":[]}`)
		})},
		{name: "older media type spelling of v0.3", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.MediaType = "application/vnd.dev.sigstore.bundle+json;version=0.3"
		})},
		{name: "media type v0.2", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.MediaType = "application/vnd.dev.sigstore.bundle+json;version=0.2"
		}), want: signed.ErrMalformed},
		{name: "two signatures", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.DSSEEnvelope.Signatures = append(b.DSSEEnvelope.Signatures, b.DSSEEnvelope.Signatures[0])
		}), want: signed.ErrMalformed},
		{name: "no signature", bundle: editBundle(t, good, func(b *signed.Bundle) {
			b.DSSEEnvelope.Signatures = []signed.Signature{}
		}), want: signed.ErrMalformed},
		{name: "signed under another name", bundle: good, file: "other.yaml", want: signed.ErrSubjectName},
		{name: "statement type", bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, wrongType)), want: signed.ErrStatement},
		{name: "predicate type", bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, wrongPredicate)), want: signed.ErrStatement},
		{name: "two subjects", bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, twoSubjects)), want: signed.ErrStatement},
		{name: "statement not JSON", bundle: signRaw(t, oldKey, signed.PayloadType, []byte("serial: 7")), want: signed.ErrMalformed},
		{name: "unknown predicate field", bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, extraField)), want: signed.ErrMalformed},
		{name: "predicate serial differs", bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, otherSerial)), want: signed.ErrPredicateMismatch},
		{name: "predicate identity differs", bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, otherIdentity)), want: signed.ErrPredicateMismatch},
		{name: "predicate window differs", bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, otherWindow)), want: signed.ErrPredicateMismatch},
		{name: "signed config that does not parse", config: invalidCfg, bundle: signRaw(t, oldKey, signed.PayloadType, mustJSON(t, invalidStatement)), want: signed.ErrInvalidConfig},
		{name: "not yet valid", bundle: good, now: time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), want: signed.ErrNotYetValid},
		{name: "valid from notBefore", bundle: good, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{name: "expired at notAfter", bundle: good, now: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), want: signed.ErrExpired},
		{name: "expired", bundle: good, now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), want: signed.ErrExpired},
		{name: "empty bundle", bundle: nil, want: signed.ErrUnsigned},
		{name: "blank bundle", bundle: []byte(" \n"), want: signed.ErrUnsigned},
		{name: "bundle not JSON", bundle: []byte("-----BEGIN SIGNATURE-----"), want: signed.ErrMalformed},
		{name: "bundle truncated", bundle: good[:len(good)/2], want: signed.ErrMalformed},
		{name: "data after the bundle", bundle: append(bytes.Clone(good), []byte("{}")...), want: signed.ErrMalformed},
		{name: "repeated field", bundle: bytes.Replace(good, []byte(`"mediaType"`), []byte(`"mediaType":"x","mediaType"`), 1), want: signed.ErrMalformed},
		{name: "field in other case", bundle: bytes.Replace(good, []byte(`"payloadType"`), []byte(`"PayloadType"`), 1), want: signed.ErrMalformed},
		{name: "unknown field", bundle: bytes.Replace(good, []byte(`"mediaType"`), []byte(`"messageSignature":{},"mediaType"`), 1), want: signed.ErrMalformed},
		{name: "certificate instead of key", bundle: bytes.Replace(good, []byte(`"publicKey"`), []byte(`"certificate"`), 1), want: signed.ErrMalformed},
		{name: "URL-safe base64", bundle: bytes.Replace(good, []byte(base64.StdEncoding.EncodeToString(goodB.DSSEEnvelope.Payload)), []byte("eyJf-_8="), 1), want: signed.ErrMalformed},
		{name: "base64 without padding", bundle: bytes.Replace(good, []byte(base64.StdEncoding.EncodeToString(goodB.DSSEEnvelope.Payload)), []byte("eyJfdA"), 1), want: signed.ErrMalformed},
		{name: "too large", bundle: append(bytes.Clone(good), bytes.Repeat([]byte(" "), signed.MaxBundleSize)...), want: signed.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cfg
			if tt.config != nil {
				c = tt.config
			}
			file := name
			if tt.file != "" {
				file = tt.file
			}
			keys := trusted
			if tt.keys != nil {
				keys = tt.keys
			}
			when := now
			if !tt.now.IsZero() {
				when = tt.now
			}
			got, err := signed.Verify(c, tt.bundle, file, keys, signed.Options{Now: at(when)})
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Verify() = %v, want success", err)
				}
				if got.Metadata.Name != "payments-db" || got.Spec.Serial != 7 {
					t.Errorf("Verify() = %s serial %d, want payments-db serial 7", got.Metadata.Name, got.Spec.Serial)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify() error = %v, want %v", err, tt.want)
			}
			if got != nil {
				t.Errorf("Verify() returned a config with error %v", err)
			}
		})
	}
}

func TestVerifyKeys(t *testing.T) {
	key := newKey(t)
	cfg := defaultConfig(1)
	b := sign(t, cfg, "c.yaml", key)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, keys := range map[string][]crypto.PublicKey{
		"none":  nil,
		"RSA":   {&key.PublicKey, &rsaKey.PublicKey},
		"P-384": {&p384.PublicKey},
		"zero":  {&ecdsa.PublicKey{}},
		"nil":   {(*ecdsa.PublicKey)(nil)},
	} {
		if _, err := signed.Verify(cfg, b, "c.yaml", keys, signed.Options{Now: at(now)}); err == nil {
			t.Errorf("Verify() with trusted keys %s = nil, want an error", name)
		}
	}
}

func TestRollback(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	key := newKey(t)
	keys := []crypto.PublicKey{&key.PublicKey}
	const name = "db.yaml"
	opts := signed.Options{Now: at(now), StatePath: state}

	five := defaultConfig(5)
	fiveOther := append(bytes.Clone(five), []byte("  admin: {listen: \"127.0.0.1:15000\"}\n")...)
	steps := []struct {
		desc string
		cfg  []byte
		opts signed.Options
		want error
	}{
		{"serial 5, first config", five, opts, nil},
		{"serial 4 after 5", defaultConfig(4), opts, signed.ErrRollback},
		{"serial 5 with other content", fiveOther, opts, signed.ErrRollback},
		{"serial 5 again, identical", five, opts, nil},
		{"serial 6", defaultConfig(6), opts, nil},
		// A restart: new options, same state file.
		{"after restart, serial 5", five, signed.Options{Now: at(now.Add(time.Hour)), StatePath: state}, signed.ErrRollback},
		{"after restart, serial 6", defaultConfig(6), signed.Options{Now: at(now.Add(time.Hour)), StatePath: state}, nil},
		{"expired serial 7 is not recorded", configYAML(7, "2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"), opts, signed.ErrExpired},
		{"serial 6 still accepted", defaultConfig(6), opts, nil},
	}
	for _, s := range steps {
		_, err := signed.Verify(s.cfg, sign(t, s.cfg, name, key), name, keys, s.opts)
		if !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Fatalf("%s: Verify() error = %v, want %v", s.desc, err, s.want)
		}
	}

	// The state is one file, private, with no temporary files left behind.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "state.json" {
		t.Errorf("state directory holds %v, want only state.json", entries)
	}
	fi, err := os.Stat(state)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode = %v, want 0600", fi.Mode().Perm())
	}
	var st struct {
		Serial uint64 `json:"serial"`
		SHA256 string `json:"sha256"`
	}
	data, _ := os.ReadFile(state)
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(defaultConfig(6))); st.Serial != 6 || st.SHA256 != want {
		t.Errorf("state = serial %d sha256 %s, want 6 %s", st.Serial, st.SHA256, want)
	}
}

func TestRollbackCorruptState(t *testing.T) {
	key := newKey(t)
	cfg := defaultConfig(9)
	b := sign(t, cfg, "db.yaml", key)
	for _, content := range []string{"", "{", `{"serial":0,"sha256":""}`, `{"serial":3,"sha256":"abc"}`, `{"serial":1,"sha256":"` + strings.Repeat("a", 64) + `","extra":1}`} {
		state := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(state, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := signed.Verify(cfg, b, "db.yaml", []crypto.PublicKey{&key.PublicKey}, signed.Options{Now: at(now), StatePath: state})
		if !errors.Is(err, signed.ErrState) {
			t.Errorf("Verify() with state %q: error = %v, want ErrState", content, err)
		}
		if got, _ := os.ReadFile(state); string(got) != content {
			t.Errorf("state %q was rewritten to %q", content, got)
		}
	}
	// An unwritable state directory refuses the config too.
	_, err := signed.Verify(cfg, b, "db.yaml", []crypto.PublicKey{&key.PublicKey}, signed.Options{Now: at(now), StatePath: filepath.Join(t.TempDir(), "missing", "state.json")})
	if !errors.Is(err, signed.ErrState) {
		t.Errorf("Verify() with an unwritable state: error = %v, want ErrState", err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t)
	keys := []crypto.PublicKey{&key.PublicKey}
	path := filepath.Join(dir, "db.yaml")
	cfg := defaultConfig(3)
	if err := os.WriteFile(path, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := signed.Options{Now: at(now)}
	if _, err := signed.LoadFile(path, keys, opts); !errors.Is(err, signed.ErrUnsigned) {
		t.Errorf("LoadFile(no bundle) error = %v, want ErrUnsigned", err)
	}
	if err := os.WriteFile(path+signed.BundleSuffix, sign(t, cfg, "db.yaml", key), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := signed.LoadFile(path, keys, opts)
	if err != nil {
		t.Fatalf("LoadFile() = %v", err)
	}
	if c.Spec.Serial != 3 {
		t.Errorf("LoadFile() serial = %d, want 3", c.Spec.Serial)
	}
	// The same files under another name: the subject name differs.
	other := filepath.Join(dir, "other.yaml")
	os.WriteFile(other, cfg, 0o644)
	os.WriteFile(other+signed.BundleSuffix, sign(t, cfg, "db.yaml", key), 0o644)
	if _, err := signed.LoadFile(other, keys, opts); !errors.Is(err, signed.ErrSubjectName) {
		t.Errorf("LoadFile(renamed) error = %v, want ErrSubjectName", err)
	}
	if _, err := signed.LoadFile(filepath.Join(dir, "missing.yaml"), keys, opts); !errors.Is(err, fs.ErrNotExist) || signed.Reason(err) != "error" {
		t.Errorf("LoadFile(missing config) error = %v (reason %q), want a not-exist error", err, signed.Reason(err))
	}
}

func TestParsePublicKeys(t *testing.T) {
	pemOf := func(pub crypto.PublicKey) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	k1, k2 := newKey(t), newKey(t)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	privDER, _ := x509.MarshalPKCS8PrivateKey(k1)
	tests := []struct {
		name string
		in   string
		want int // keys; 0: error
	}{
		{"one", pemOf(&k1.PublicKey), 1},
		{"two, for a rotation", pemOf(&k1.PublicKey) + "\n" + pemOf(&k2.PublicKey), 2},
		{"P-384", pemOf(&p384.PublicKey), 0},
		{"RSA", pemOf(&rsaKey.PublicKey), 0},
		{"private key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER})), 0},
		{"empty", "", 0},
		{"trailing garbage", pemOf(&k1.PublicKey) + "garbage", 0},
		{"corrupt", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := signed.ParsePublicKeys([]byte(tt.in))
			if tt.want == 0 {
				if err == nil {
					t.Errorf("ParsePublicKeys() = %d keys, want an error", len(keys))
				}
				return
			}
			if err != nil || len(keys) != tt.want {
				t.Errorf("ParsePublicKeys() = %d keys, %v; want %d", len(keys), err, tt.want)
			}
		})
	}
}

func TestKeyIDIsHint(t *testing.T) {
	key := newKey(t)
	var b signed.Bundle
	if err := json.Unmarshal(sign(t, defaultConfig(1), "c.yaml", key), &b); err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	want := fmt.Sprintf("%x", sha256.Sum256(der))
	id, err := signed.KeyID(&key.PublicKey)
	if err != nil || id != want {
		t.Errorf("KeyID() = %q, %v; want %q", id, err, want)
	}
	if b.VerificationMaterial.PublicKey.Hint != want {
		t.Errorf("bundle hint = %q, want %q", b.VerificationMaterial.PublicKey.Hint, want)
	}
}

func TestReason(t *testing.T) {
	tests := map[error]string{
		nil:                                     "",
		signed.ErrBadSignature:                  "bad_signature",
		fmt.Errorf("x: %w", signed.ErrExpired):  "expired",
		fmt.Errorf("x: %w", signed.ErrRollback): "rollback",
		errors.New("disk on fire"):              "error",
	}
	for err, want := range tests {
		if got := signed.Reason(err); got != want {
			t.Errorf("Reason(%v) = %q, want %q", err, got, want)
		}
	}
}

// TestStatementShape pins the signed statement's JSON: in-toto Statement v1
// with one subject and the proxy-config predicate.
func TestStatementShape(t *testing.T) {
	cfg := defaultConfig(7)
	got := statementFor(t, cfg, "payments-db.yaml")
	want := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"predicateType": "https://meshproof.dev/proxy-config/v1",
		"subject": []any{map[string]any{
			"name":   "payments-db.yaml",
			"digest": map[string]any{"sha256": fmt.Sprintf("%x", sha256.Sum256(cfg))},
		}},
		"predicate": map[string]any{
			"name":      "payments-db",
			"serial":    float64(7),
			"identity":  "spiffe://corp.example/vm/payments-db",
			"notBefore": "2026-01-01T00:00:00Z",
			"notAfter":  "2027-01-01T00:00:00Z",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statement (-want +got):\n%s", diff)
	}
}
