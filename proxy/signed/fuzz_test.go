package signed_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/meshproof/meshproof/proxy/signed"
)

// fuzzKey is a fixed P-256 test key, so that a bundle the fuzzer finds
// verifies the same way on every run. It protects nothing.
const fuzzKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPh0bUhMrmUbnbVvt
SLbHwhMVA9hVjcOBT2UaNcsLL3mhRANCAAQ9lFpTlFPD7VXWrYhZpLCKZT34tZ3X
uGGWO263rmyMYA4+JHED2rp4cjiLIo/HmOVi+3ZzgbH4Uj9di2FPgga2
-----END PRIVATE KEY-----
`

// FuzzVerify feeds arbitrary bundles to Verify with a fixed config and
// key: it must never panic, and anything it accepts must carry a valid
// signature over exactly that config (so a mutation of the seed that still
// verifies must keep the signed payload and signature intact).
func FuzzVerify(f *testing.F) {
	b, _ := pem.Decode([]byte(fuzzKey))
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		f.Fatal(err)
	}
	key := k.(*ecdsa.PrivateKey)
	keys := []crypto.PublicKey{&key.PublicKey}
	cfg := defaultConfig(7)
	good := sign(f, cfg, "db.yaml", key)

	f.Add(good)
	f.Add([]byte(""))
	f.Add([]byte("{}"))
	f.Add([]byte("null"))
	f.Add([]byte("[]"))
	f.Add(good[:len(good)/2])
	f.Add(bytes.Replace(good, []byte(`"signatures"`), []byte(`"signatures":[],"x"`), 1))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}},"dsseEnvelope":{"payload":"","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":""}]}}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":1}},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MAYCAQECAQE="}]}}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"x"},"tlogEntries":[{}],"timestampVerificationData":{"rfc3161Timestamps":[]}},"dsseEnvelope":{"payload":"e30=","payloadType":"text/plain","signatures":[{"sig":"AA==","keyid":"k"}]}}`))

	f.Fuzz(func(t *testing.T, bundle []byte) {
		c, err := signed.Verify(cfg, bundle, "db.yaml", keys, signed.Options{Now: at(now)})
		if err == nil {
			if c == nil || c.Spec.Serial != 7 {
				t.Fatalf("Verify() accepted %q but returned %v", bundle, c)
			}
			return
		}
		if c != nil {
			t.Fatalf("Verify() returned a config with error %v", err)
		}
		if signed.Reason(err) == "error" && !errors.Is(err, signed.ErrMalformed) {
			t.Fatalf("Verify() error %v has no reason", err)
		}
	})
}
