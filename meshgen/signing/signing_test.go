package signing_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
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

// testConfig is a valid proxy config, valid for years around now.
func testConfig(serial int) []byte {
	return fmt.Appendf(nil, `apiVersion: meshproof.dev/v1alpha1
kind: ProxyConfig
metadata:
  name: payments-db
spec:
  serial: %d
  notBefore: "2020-01-01T00:00:00Z"
  notAfter: "2999-01-01T00:00:00Z"
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
`, serial)
}

func pemType(t *testing.T, data []byte) string {
	t.Helper()
	b, _ := pem.Decode(data)
	if b == nil {
		t.Fatalf("not PEM: %q", data)
	}
	return b.Type
}

// signAndVerify signs a config with priv and verifies it with pub through
// package signed, as the proxy would.
func signAndVerify(t *testing.T, key *ecdsa.PrivateKey, pubPEM []byte) {
	t.Helper()
	cfg := testConfig(3)
	bundle, err := signing.SignConfig(cfg, "db.yaml", key)
	if err != nil {
		t.Fatalf("SignConfig() = %v", err)
	}
	keys, err := signed.ParsePublicKeys(pubPEM)
	if err != nil {
		t.Fatalf("ParsePublicKeys() = %v", err)
	}
	c, err := signed.Verify(cfg, bundle, "db.yaml", keys, signed.Options{})
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	if c.Spec.Serial != 3 {
		t.Errorf("Verify() serial = %d, want 3", c.Spec.Serial)
	}
}

func TestGenerateKeyRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		password []byte
		pemType  string
	}{
		{"password", []byte("correct horse battery staple"), "ENCRYPTED SIGSTORE PRIVATE KEY"},
		{"no password", nil, "PRIVATE KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			priv, pub, err := signing.GenerateKey(tt.password)
			if err != nil {
				t.Fatalf("GenerateKey() = %v", err)
			}
			if got := pemType(t, priv); got != tt.pemType {
				t.Errorf("private key PEM type = %q, want %q", got, tt.pemType)
			}
			if got := pemType(t, pub); got != "PUBLIC KEY" {
				t.Errorf("public key PEM type = %q, want PUBLIC KEY", got)
			}
			if signing.Encrypted(priv) != (tt.password != nil) {
				t.Errorf("Encrypted() = %v, want %v", signing.Encrypted(priv), tt.password != nil)
			}
			key, err := signing.LoadPrivateKey(priv, tt.password)
			if err != nil {
				t.Fatalf("LoadPrivateKey() = %v", err)
			}
			want, _ := signing.MarshalPublicKey(&key.PublicKey)
			if !bytes.Equal(want, pub) {
				t.Errorf("the public key file does not belong to the private key")
			}
			signAndVerify(t, key, pub)
		})
	}
}

// TestEncryptedFormat pins cosign's envelope: scrypt N=2^16 r=8 p=1 with a
// 32-byte salt, NaCl secretbox with a 24-byte nonce.
func TestEncryptedFormat(t *testing.T) {
	priv, _, err := signing.GenerateKey([]byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(priv)
	var env struct {
		KDF struct {
			Name   string         `json:"name"`
			Params map[string]int `json:"params"`
			Salt   []byte         `json:"salt"`
		} `json:"kdf"`
		Cipher struct {
			Name  string `json:"name"`
			Nonce []byte `json:"nonce"`
		} `json:"cipher"`
		Ciphertext []byte `json:"ciphertext"`
	}
	dec := json.NewDecoder(bytes.NewReader(b.Bytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		t.Fatalf("envelope: %v\n%s", err, b.Bytes)
	}
	if env.KDF.Name != "scrypt" || env.KDF.Params["N"] != 65536 || env.KDF.Params["r"] != 8 || env.KDF.Params["p"] != 1 || len(env.KDF.Salt) != 32 {
		t.Errorf("kdf = %+v, want scrypt N=65536 r=8 p=1 with a 32-byte salt", env.KDF)
	}
	if env.Cipher.Name != "nacl/secretbox" || len(env.Cipher.Nonce) != 24 {
		t.Errorf("cipher = %+v, want nacl/secretbox with a 24-byte nonce", env.Cipher)
	}
	// A P-256 PKCS #8 key is 138 bytes; secretbox adds a 16-byte tag.
	if len(env.Ciphertext) != 138+16 {
		t.Errorf("ciphertext is %d bytes, want 154", len(env.Ciphertext))
	}
}

func TestLoadPrivateKeyErrors(t *testing.T) {
	priv, _, err := signing.GenerateKey([]byte("right"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signing.LoadPrivateKey(priv, []byte("wrong")); !errors.Is(err, signing.ErrWrongPassword) {
		t.Errorf("LoadPrivateKey(wrong password) = %v, want ErrWrongPassword", err)
	}
	if _, err := signing.LoadPrivateKey(priv, nil); !errors.Is(err, signing.ErrWrongPassword) {
		t.Errorf("LoadPrivateKey(no password) = %v, want ErrWrongPassword", err)
	}

	// Tampered envelopes.
	b, _ := pem.Decode(priv)
	reencode := func(edit func(map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(b.Bytes, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		j, _ := json.Marshal(m)
		return pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: j})
	}
	start := time.Now()
	huge := reencode(func(m map[string]any) {
		m["kdf"].(map[string]any)["params"] = map[string]any{"N": 1 << 30, "r": 8, "p": 1}
	})
	if _, err := signing.LoadPrivateKey(huge, []byte("right")); err == nil || !strings.Contains(err.Error(), "scrypt parameters") {
		t.Errorf("LoadPrivateKey(N=2^30) = %v, want an unsupported parameters error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing crafted scrypt parameters took %v", d)
	}
	ct := reencode(func(m map[string]any) {
		c := []byte(m["ciphertext"].(string))
		c[10] ^= 1
		m["ciphertext"] = string(c)
	})
	if _, err := signing.LoadPrivateKey(ct, []byte("right")); err == nil {
		t.Error("LoadPrivateKey(tampered ciphertext) = nil, want an error")
	}
	for name, edit := range map[string]func(map[string]any){
		"kdf":    func(m map[string]any) { m["kdf"].(map[string]any)["name"] = "pbkdf2" },
		"cipher": func(m map[string]any) { m["cipher"].(map[string]any)["name"] = "aes-gcm" },
		"nonce":  func(m map[string]any) { m["cipher"].(map[string]any)["nonce"] = "AAAA" },
	} {
		if _, err := signing.LoadPrivateKey(reencode(edit), []byte("right")); err == nil {
			t.Errorf("LoadPrivateKey(bad %s) = nil, want an error", name)
		}
	}

	// Keys of other kinds.
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	for name, key := range map[string]crypto.Signer{"P-384": p384, "RSA": rsaKey} {
		der, _ := x509.MarshalPKCS8PrivateKey(key)
		if _, err := signing.LoadPrivateKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil); err == nil {
			t.Errorf("LoadPrivateKey(%s) = nil, want an error", name)
		}
	}
	for name, in := range map[string][]byte{
		"empty":      nil,
		"not PEM":    []byte("hello"),
		"public key": mustPub(t),
		"two blocks": append(bytes.Clone(priv), priv...),
	} {
		if _, err := signing.LoadPrivateKey(in, []byte("right")); err == nil {
			t.Errorf("LoadPrivateKey(%s) = nil, want an error", name)
		}
	}
}

func mustPub(t *testing.T) []byte {
	_, pub, err := signing.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestLoadPrivateKeyFormats(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := signing.MarshalPublicKey(&key.PublicKey)
	sec1, _ := x509.MarshalECPrivateKey(key)
	got, err := signing.LoadPrivateKey(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), nil)
	if err != nil || !got.Equal(key) {
		t.Errorf("LoadPrivateKey(SEC 1) = %v", err)
	}

	// The older cosign PEM type holds the same envelope.
	priv, pub2, _ := signing.GenerateKey([]byte("pw"))
	b, _ := pem.Decode(priv)
	b.Type = "ENCRYPTED COSIGN PRIVATE KEY"
	k2, err := signing.LoadPrivateKey(pem.EncodeToMemory(b), []byte("pw"))
	if err != nil {
		t.Fatalf("LoadPrivateKey(ENCRYPTED COSIGN PRIVATE KEY) = %v", err)
	}
	signAndVerify(t, k2, pub2)
	signAndVerify(t, key, pub)
}

// TestLoadCosignGeneratedKey reads a key pair that cosign v3.1.3 wrote
// (testdata/cosign-generated.*, made with
// `COSIGN_PASSWORD=cosign-test-password cosign generate-key-pair
// --output-key-prefix cosign-generated`; a test key that protects nothing).
// TestCosign does the same with a freshly generated pair when cosign is
// available.
func TestLoadCosignGeneratedKey(t *testing.T) {
	priv, err := os.ReadFile(filepath.Join("testdata", "cosign-generated.key"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(filepath.Join("testdata", "cosign-generated.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signing.LoadPrivateKey(priv, []byte("wrong")); !errors.Is(err, signing.ErrWrongPassword) {
		t.Errorf("LoadPrivateKey(cosign key, wrong password) = %v, want ErrWrongPassword", err)
	}
	key, err := signing.LoadPrivateKey(priv, []byte("cosign-test-password"))
	if err != nil {
		t.Fatalf("LoadPrivateKey(cosign key) = %v", err)
	}
	signAndVerify(t, key, pub)
}

func TestSignConfigErrors(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	tests := []struct {
		name, file string
		cfg        []byte
		key        *ecdsa.PrivateKey
		want       string
	}{
		{"invalid config", "db.yaml", []byte("apiVersion: v1\nkind: ConfigMap\n"), key, "apiVersion/kind"},
		{"not YAML", "db.yaml", []byte("{{"), key, "proxy config"},
		{"path, not a name", "out/db.yaml", testConfig(1), key, "not a file name"},
		{"empty name", "", testConfig(1), key, "not a file name"},
		{"no key", "db.yaml", testConfig(1), nil, "P-256"},
		{"P-384 key", "db.yaml", testConfig(1), p384, "P-256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := signing.SignConfig(tt.cfg, tt.file, tt.key)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("SignConfig() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// bundleParts returns the DSSE pre-authentication encoding and the DER
// signature of a bundle: what a standard tool needs to check the raw
// signature.
func bundleParts(t *testing.T, bundle []byte) (pae, sig []byte) {
	t.Helper()
	var b signed.Bundle
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	e := b.DSSEEnvelope
	if len(e.Signatures) != 1 {
		t.Fatalf("%d signatures", len(e.Signatures))
	}
	return dsse.PAE(e.PayloadType, e.Payload), e.Signatures[0].Sig
}

// TestOpenSSL checks the raw signature with openssl, independently of Go's
// crypto: the DSSE PAE (DSSEv1 SP len(type) SP type SP len(body) SP body)
// and the DER ECDSA signature from the bundle, with the public key file.
func TestOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed: the raw-signature check against openssl did not run")
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
	bundle, err := signing.SignConfig(testConfig(1), "db.yaml", key)
	if err != nil {
		t.Fatal(err)
	}
	pae, sig := bundleParts(t, bundle)
	if !bytes.HasPrefix(pae, []byte("DSSEv1 28 application/vnd.in-toto+json ")) {
		t.Errorf("PAE starts %q", pae[:40])
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubPath, keyPath := write("pub.pem", pub), write("key.pem", priv)
	paePath, sigPath := write("pae.bin", pae), write("sig.der", sig)
	tampered := write("tampered.bin", append(bytes.Clone(pae[:len(pae)-1]), pae[len(pae)-1]^1))

	run := func(args ...string) (string, error) {
		out, err := exec.Command(openssl, args...).CombinedOutput()
		return string(out), err
	}
	if out, err := run("dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, paePath); err != nil || !strings.Contains(out, "Verified OK") {
		t.Errorf("openssl dgst -verify on the PAE = %v: %s", err, out)
	}
	if out, err := run("dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, tampered); err == nil || strings.Contains(out, "Verified OK") {
		t.Errorf("openssl dgst -verify on a tampered PAE succeeded: %s", out)
	}
	// openssl reads the plain private key and derives the same public key.
	if out, err := run("pkey", "-in", keyPath, "-pubout"); err != nil || out != string(pub) {
		t.Errorf("openssl pkey -pubout = %v:\n%s\nwant\n%s", err, out, pub)
	}
	// The key ID is the SHA-256 of the DER SubjectPublicKeyInfo.
	der, err := exec.Command(openssl, "pkey", "-pubin", "-in", pubPath, "-outform", "DER").Output()
	if err != nil {
		t.Fatal(err)
	}
	var b signed.Bundle
	json.Unmarshal(bundle, &b)
	if want := fmt.Sprintf("%x", sha256.Sum256(der)); b.VerificationMaterial.PublicKey.Hint != want {
		t.Errorf("bundle hint = %s, want sha256 of openssl's DER %s", b.VerificationMaterial.PublicKey.Hint, want)
	}
}

// TestCosign checks interoperability with cosign, offline: cosign verifies
// our bundles of proxy configs and of other files (and refuses tampered
// files, the wrong key and another predicate type), reads our encrypted
// keys, and we read keys cosign generates.
//
// It runs when COSIGN names a cosign binary. Build one (~5 min) with
//
//	GOBIN=/tmp/cosign-bin go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3
//	COSIGN=/tmp/cosign-bin/cosign go test ./meshgen/signing -run TestCosign -v
func TestCosign(t *testing.T) {
	cosign := os.Getenv("COSIGN")
	if cosign == "" {
		t.Skip("COSIGN is not set: skipping the cosign interoperability test; " +
			"build cosign with `go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3` and set COSIGN to its path")
	}
	dir := t.TempDir()
	const password = "cosign-interop"
	cmd := func(args ...string) (string, error) {
		c := exec.Command(cosign, args...)
		c.Dir = dir
		c.Env = append(os.Environ(), "COSIGN_PASSWORD="+password, "HOME="+dir, "TUF_ROOT="+filepath.Join(dir, "tuf"))
		out, err := c.CombinedOutput()
		return string(out), err
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if out, err := cmd("version"); err != nil {
		t.Fatalf("cosign version: %v\n%s", err, out)
	} else {
		t.Logf("cosign version:\n%s", out)
	}

	priv, pub, err := signing.GenerateKey([]byte(password))
	if err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPrivateKey(priv, []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(4)
	bundle, err := signing.SignConfig(cfg, "db.yaml", key)
	if err != nil {
		t.Fatal(err)
	}
	write("signing.key", priv)
	write("signing.pub", pub)
	write("db.yaml", cfg)
	write("db.yaml.sigstore.json", bundle)
	write("tampered.yaml", append(bytes.Clone(cfg), '#'))
	_, otherPub, _ := signing.GenerateKey(nil)
	write("other.pub", otherPub)

	verify := func(pubFile, file, typ string) (string, error) {
		return cmd("verify-blob-attestation", "--key", pubFile, "--bundle", "db.yaml.sigstore.json",
			"--type", typ, "--insecure-ignore-tlog", file)
	}
	if out, err := verify("signing.pub", "db.yaml", signed.PredicateType); err != nil || !strings.Contains(out, "Verified OK") {
		t.Errorf("cosign verify-blob-attestation of our bundle = %v:\n%s", err, out)
	}
	if out, err := verify("signing.pub", "tampered.yaml", signed.PredicateType); err == nil {
		t.Errorf("cosign verified a tampered config:\n%s", out)
	}
	if out, err := verify("other.pub", "db.yaml", signed.PredicateType); err == nil {
		t.Errorf("cosign verified with the wrong key:\n%s", out)
	}
	if out, err := verify("signing.pub", "db.yaml", "https://slsa.dev/provenance/v1"); err == nil {
		t.Errorf("cosign accepted another predicate type:\n%s", out)
	}

	// cosign reads our encrypted key.
	if out, err := cmd("public-key", "--key", "signing.key"); err != nil || !strings.Contains(out, string(pub)) {
		t.Errorf("cosign public-key --key (our encrypted key) = %v:\n%s\nwant\n%s", err, out, pub)
	}

	// We read a key cosign generates, and cosign verifies what we sign with it.
	if out, err := cmd("generate-key-pair", "--output-key-prefix", "cosign"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	cosignPriv, _ := os.ReadFile(filepath.Join(dir, "cosign.key"))
	cosignPub, _ := os.ReadFile(filepath.Join(dir, "cosign.pub"))
	ck, err := signing.LoadPrivateKey(cosignPriv, []byte(password))
	if err != nil {
		t.Fatalf("LoadPrivateKey(cosign-generated key) = %v", err)
	}
	signAndVerify(t, ck, cosignPub)
	bundle, err = signing.SignConfig(cfg, "db.yaml", ck)
	if err != nil {
		t.Fatal(err)
	}
	write("db.yaml.sigstore.json", bundle)
	if out, err := verify("cosign.pub", "db.yaml", signed.PredicateType); err != nil || !strings.Contains(out, "Verified OK") {
		t.Errorf("cosign verify-blob-attestation with its own key = %v:\n%s", err, out)
	}

	// Any other file (a report) carries the file predicate; cosign checks
	// it the same way, with that type.
	report := []byte("<!doctype html><title>PCI DSS audit report</title>\n")
	rb, err := signing.Sign(report, "report.html", key)
	if err != nil {
		t.Fatal(err)
	}
	write("report.html", report)
	write("report.html.sigstore.json", rb)
	write("tampered.html", append(bytes.Clone(report), ' '))
	verifyFile := func(pubFile, file, typ string) (string, error) {
		return cmd("verify-blob-attestation", "--key", pubFile, "--bundle", "report.html.sigstore.json",
			"--type", typ, "--insecure-ignore-tlog", file)
	}
	if out, err := verifyFile("signing.pub", "report.html", signing.FilePredicateType); err != nil || !strings.Contains(out, "Verified OK") {
		t.Errorf("cosign verify-blob-attestation of a signed report = %v:\n%s", err, out)
	}
	if out, err := verifyFile("signing.pub", "tampered.html", signing.FilePredicateType); err == nil {
		t.Errorf("cosign verified a tampered report:\n%s", out)
	}
	if out, err := verifyFile("other.pub", "report.html", signing.FilePredicateType); err == nil {
		t.Errorf("cosign verified a report with the wrong key:\n%s", out)
	}
	if out, err := verifyFile("signing.pub", "report.html", signed.PredicateType); err == nil {
		t.Errorf("cosign accepted a report as a proxy config:\n%s", out)
	}
}
