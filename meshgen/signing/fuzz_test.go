package signing_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/signed"
)

// fuzzKey is a fixed P-256 test key, so that the checked-in seed bundles
// (testdata/fuzz) verify on every run. It protects nothing.
const fuzzKey = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPh0bUhMrmUbnbVvt
SLbHwhMVA9hVjcOBT2UaNcsLL3mhRANCAAQ9lFpTlFPD7VXWrYhZpLCKZT34tZ3X
uGGWO263rmyMYA4+JHED2rp4cjiLIo/HmOVi+3ZzgbH4Uj9di2FPgga2
-----END PRIVATE KEY-----
`

func fixedKey(t testing.TB) *ecdsa.PrivateKey {
	b, _ := pem.Decode([]byte(fuzzKey))
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}

// FuzzVerify feeds arbitrary bundles to Verify for a report and for a
// proxy config named the same, with a fixed key. It must never panic,
// every refusal must carry a reason, and anything accepted must be a
// valid signature over exactly those bytes under that name.
func FuzzVerify(f *testing.F) {
	key := fixedKey(f)
	keys := []crypto.PublicKey{&key.PublicKey}
	cfg := testConfig(7)
	for _, data := range [][]byte{report, cfg} {
		b, err := signing.Sign(data, "f.yaml", key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/3])
		f.Add(bytes.Replace(b, []byte(`"signatures"`), []byte(`"signatures":[],"x"`), 1))
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{}},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MAYCAQECAQE="}]}}`))
	now := func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, bundle []byte) {
		for _, data := range [][]byte{report, cfg} {
			v, err := signing.Verify(data, bundle, "f.yaml", keys, signed.Options{Now: now})
			if err != nil {
				if v != nil {
					t.Fatalf("Verify() returned a result and %v", err)
				}
				if signed.Reason(err) == "error" && !bytes.Contains([]byte(err.Error()), []byte("unknown predicate")) {
					t.Fatalf("Verify() error %v has no reason", err)
				}
				continue
			}
			sum := sha256.Sum256(data)
			if v.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("Verify() accepted with digest %s, not the file's", v.SHA256)
			}
			b, perr := signed.ParseBundle(bundle)
			if perr != nil {
				t.Fatalf("Verify() accepted a bundle ParseBundle refuses: %v", perr)
			}
			var st struct {
				Subject []signed.Subject `json:"subject"`
			}
			if json.Unmarshal(b.DSSEEnvelope.Payload, &st) != nil || len(st.Subject) != 1 || st.Subject[0].Name != "f.yaml" {
				t.Fatalf("Verify() accepted a statement that is not about f.yaml: %s", b.DSSEEnvelope.Payload)
			}
		}
	})
}

// FuzzParseBundle: ParseBundle never panics, and a bundle it accepts,
// written again as JSON, parses to the same bundle.
func FuzzParseBundle(f *testing.F) {
	b, err := signing.SignFile(report, "report.html", fixedKey(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.3","verificationMaterial":{"publicKey":{"hint":"x"},"tlogEntries":[{}],"timestampVerificationData":{"rfc3161Timestamps":[]}},"dsseEnvelope":{"payload":"","payloadType":"","signatures":[{"sig":"","keyid":"k"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := signed.ParseBundle(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		b2, err := signed.ParseBundle(again)
		if err != nil {
			t.Fatalf("ParseBundle(re-encoded) = %v\n%s", err, again)
		}
		if !bytes.Equal(b.DSSEEnvelope.Payload, b2.DSSEEnvelope.Payload) || !bytes.Equal(b.DSSEEnvelope.Signatures[0].Sig, b2.DSSEEnvelope.Signatures[0].Sig) || b.DSSEEnvelope.PayloadType != b2.DSSEEnvelope.PayloadType {
			t.Fatalf("re-encoded bundle reads differently")
		}
	})
}
