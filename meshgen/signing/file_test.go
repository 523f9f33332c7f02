package signing_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
)

var report = []byte("<!doctype html><title>PCI DSS audit report</title><p>0 findings</p>\n")

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// resign replaces a bundle's payload and signs it properly with key, to
// test what Verify does with signed but unexpected statements.
func resign(t *testing.T, bundle []byte, key *ecdsa.PrivateKey, edit func(map[string]any)) []byte {
	t.Helper()
	var b signed.Bundle
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(b.DSSEEnvelope.Payload, &st); err != nil {
		t.Fatal(err)
	}
	edit(st)
	payload, _ := json.Marshal(st)
	digest := sha256.Sum256(dsse.PAE(b.DSSEEnvelope.PayloadType, payload))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	b.DSSEEnvelope.Payload, b.DSSEEnvelope.Signatures = payload, []signed.Signature{{Sig: sig}}
	out, _ := json.Marshal(b)
	return out
}

func flipBundle(t *testing.T, bundle []byte, edit func(*signed.Bundle)) []byte {
	t.Helper()
	var b signed.Bundle
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	edit(&b)
	out, _ := json.Marshal(b)
	return out
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 1
	return out
}

// TestVerifyTampering: for both kinds of files, a bundle verifies, and one
// flipped byte in the file, in the signed payload or in the signature, a
// wrong key, another name or a missing bundle each fail, with the reason.
func TestVerifyTampering(t *testing.T) {
	key, other := newKey(t), newKey(t)
	keys := []crypto.PublicKey{&key.PublicKey}
	now := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	for _, kind := range []struct {
		name, file, predicate string
		data                  []byte
	}{
		{"proxy config", "db.yaml", signed.PredicateType, testConfig(5)},
		{"report", "report.html", signing.FilePredicateType, report},
	} {
		t.Run(kind.name, func(t *testing.T) {
			bundle, err := signing.Sign(kind.data, kind.file, key)
			if err != nil {
				t.Fatal(err)
			}
			v, err := signing.Verify(kind.data, bundle, kind.file, keys, signed.Options{Now: now})
			if err != nil {
				t.Fatalf("Verify() = %v", err)
			}
			sum := sha256.Sum256(kind.data)
			if v.PredicateType != kind.predicate || v.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("Verify() = %+v, want predicate %s and the file's digest", v, kind.predicate)
			}
			var b signed.Bundle
			json.Unmarshal(bundle, &b)
			tests := []struct {
				name         string
				data, bundle []byte
				file         string
				keys         []crypto.PublicKey
				want         error
			}{
				{"flipped byte in the file", flip(kind.data, len(kind.data)/2), bundle, kind.file, keys, signed.ErrDigestMismatch},
				{"flipped last byte of the file", flip(kind.data, len(kind.data)-1), bundle, kind.file, keys, signed.ErrDigestMismatch},
				{"flipped byte in the payload", kind.data, flipBundle(t, bundle, func(b *signed.Bundle) { b.DSSEEnvelope.Payload = flip(b.DSSEEnvelope.Payload, 20) }), kind.file, keys, signed.ErrBadSignature},
				{"flipped byte in the signature", kind.data, flipBundle(t, bundle, func(b *signed.Bundle) {
					s := b.DSSEEnvelope.Signatures[0].Sig
					b.DSSEEnvelope.Signatures[0].Sig = flip(s, len(s)-1)
				}), kind.file, keys, signed.ErrBadSignature},
				{"another payload type", kind.data, flipBundle(t, bundle, func(b *signed.Bundle) { b.DSSEEnvelope.PayloadType = "text/plain" }), kind.file, keys, signed.ErrPayloadType},
				{"wrong key", kind.data, bundle, kind.file, []crypto.PublicKey{&other.PublicKey}, signed.ErrBadSignature},
				{"another name", kind.data, bundle, "renamed" + filepath.Ext(kind.file), keys, signed.ErrSubjectName},
				{"no bundle", kind.data, nil, kind.file, keys, signed.ErrUnsigned},
				{"truncated bundle", kind.data, bundle[:len(bundle)/2], kind.file, keys, signed.ErrMalformed},
				{"unknown predicate", kind.data, resign(t, bundle, key, func(st map[string]any) { st["predicateType"] = "https://slsa.dev/provenance/v1" }), kind.file, keys, signing.ErrUnknownPredicate},
				{"not a statement", kind.data, resign(t, bundle, key, func(st map[string]any) { st["_type"] = "https://in-toto.io/Statement/v0.1" }), kind.file, keys, signed.ErrStatement},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					v, err := signing.Verify(tt.data, tt.bundle, tt.file, tt.keys, signed.Options{Now: now})
					if !errors.Is(err, tt.want) {
						t.Errorf("Verify() = %+v, %v; want %v", v, err, tt.want)
					}
					if v != nil {
						t.Errorf("Verify() returned a result with an error")
					}
				})
			}
		})
	}
}

// TestProxyRefusesFilePredicate: the proxy's own verifier accepts only
// the proxy-config predicate, even for a valid config signed as a file.
// signing.Verify accepts both, each by its own check.
func TestProxyRefusesFilePredicate(t *testing.T) {
	key := newKey(t)
	keys := []crypto.PublicKey{&key.PublicKey}
	cfg := testConfig(3)
	for name, data := range map[string][]byte{"a report": report, "a config signed as a file": cfg} {
		bundle, err := signing.SignFile(data, "db.yaml", key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := signing.Verify(data, bundle, "db.yaml", keys, signed.Options{}); err != nil {
			t.Errorf("%s: signing.Verify() = %v", name, err)
		}
		// The proxy's strict statement parser refuses the file predicate's
		// fields before it compares the predicate type.
		c, err := signed.Verify(data, bundle, "db.yaml", keys, signed.Options{})
		if c != nil || !errors.Is(err, signed.ErrStatement) && !errors.Is(err, signed.ErrMalformed) {
			t.Errorf("%s: signed.Verify() = %v, %v; want a refusal of the statement", name, c, err)
		}
	}
}

// TestSignPicksPredicate: Sign gives proxy configs the proxy-config
// predicate (only when they are valid) and everything else the file one.
func TestSignPicksPredicate(t *testing.T) {
	key := newKey(t)
	predicate := func(bundle []byte) string {
		var b signed.Bundle
		json.Unmarshal(bundle, &b)
		var st struct {
			PredicateType string `json:"predicateType"`
		}
		json.Unmarshal(b.DSSEEnvelope.Payload, &st)
		return st.PredicateType
	}
	tests := []struct {
		name string
		data []byte
		want string // predicate type, or "error"
	}{
		{"proxy config", testConfig(1), signed.PredicateType},
		{"invalid proxy config", []byte("apiVersion: meshproof.dev/v1alpha1\nkind: ProxyConfig\nmetadata: {name: x}\n"), "error"},
		{"ConfigMap", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), signing.FilePredicateType},
		{"JSON report", []byte(`{"findings": [], "summary": {"passed": true}}`), signing.FilePredicateType},
		{"binary", []byte{0x25, 0x50, 0x44, 0x46, 0x00, 0xff}, signing.FilePredicateType},
		{"empty", nil, signing.FilePredicateType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := signing.Sign(tt.data, "f", key)
			switch {
			case tt.want == "error":
				if err == nil {
					t.Errorf("Sign() = nil error, want the config's validation error")
				}
			case err != nil:
				t.Errorf("Sign() = %v", err)
			case predicate(b) != tt.want:
				t.Errorf("Sign() predicate %q, want %q", predicate(b), tt.want)
			}
		})
	}
	if _, err := signing.SignFile(report, "out/report.html", key); err == nil {
		t.Error("SignFile(path, not a name) = nil error")
	}
}

// TestParseBundleStrict: documents with more than one reading are refused.
func TestParseBundleStrict(t *testing.T) {
	key := newKey(t)
	bundle, err := signing.SignFile(report, "report.html", key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signed.ParseBundle(bundle); err != nil {
		t.Fatalf("ParseBundle(good) = %v", err)
	}
	s := string(bundle)
	payloadLine := s[strings.Index(s, `"payload"`):]
	payloadLine = payloadLine[:strings.Index(payloadLine, ",")]
	bad := map[string]string{
		"repeated payload":    strings.Replace(s, payloadLine, payloadLine+`, "payload": "e30="`, 1),
		"payload in capitals": strings.Replace(s, `"payload"`, `"Payload"`, 1),
		"trailing data":       s + "{}",
		"unpadded base64":     strings.Replace(s, payloadLine, strings.TrimRight(payloadLine, `="`)+`"`, 1),
		"URL base64":          strings.Replace(s, payloadLine, `"payload": "`+base64.URLEncoding.EncodeToString([]byte{0xfb, 0xff})+`"`, 1),
		"two signatures":      strings.Replace(s, `"signatures": [`, `"signatures": [{"sig": "AA=="},`, 1),
		"unknown field":       strings.Replace(s, `"mediaType"`, `"extra": 1, "mediaType"`, 1),
		"old media type":      strings.Replace(s, "bundle.v0.3+json", "bundle+json;version=0.1", 1),
		"no public key":       strings.Replace(s, `"publicKey"`, `"certificate"`, 1),
	}
	for name, in := range bad {
		if _, err := signed.ParseBundle([]byte(in)); err == nil {
			t.Errorf("ParseBundle(%s) = nil error", name)
		}
		if _, err := signing.Verify(report, []byte(in), "report.html", []crypto.PublicKey{&key.PublicKey}, signed.Options{}); signed.Reason(err) != "malformed" {
			t.Errorf("Verify(%s) = %v, want malformed", name, err)
		}
	}
}

// TestOpenSSLFile checks a signed file with openssl: the raw signature
// over the DSSE PAE, and the statement's subject digest against openssl's
// SHA-256 of the file.
func TestOpenSSLFile(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: the check against openssl did not run")
	}
	dir := t.TempDir()
	priv, pub, err := signing.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPrivateKey(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := signing.SignFile(report, "report.html", key)
	if err != nil {
		t.Fatal(err)
	}
	pae, sig := bundleParts(t, bundle)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubPath, paePath, sigPath, file := write("pub.pem", pub), write("pae.bin", pae), write("sig.der", sig), write("report.html", report)
	out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, paePath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Errorf("openssl dgst -verify on the PAE = %v: %s", err, out)
	}
	tampered := write("tampered.bin", flip(pae, len(pae)-3))
	if out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, tampered).CombinedOutput(); err == nil {
		t.Errorf("openssl verified a tampered PAE: %s", out)
	}
	out, err = exec.Command(openssl, "dgst", "-sha256", "-r", file).CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	digest, _, _ := strings.Cut(string(out), " ")
	if !bytes.Contains(pae, []byte(fmt.Sprintf(`"sha256":"%s"`, digest))) {
		t.Errorf("the signed statement does not carry openssl's digest %s of the file:\n%s", digest, pae)
	}
}
