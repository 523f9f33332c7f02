// Package signing signs proxy configs: ECDSA P-256 keys (cosign-compatible
// when encrypted) and Sigstore bundles carrying a DSSE-signed in-toto
// statement, the format package proxy/signed verifies and cosign verifies
// offline with `cosign verify-blob-attestation --key ... --bundle ...
// --type https://meshproof.dev/proxy-config/v1 --insecure-ignore-tlog`.
package signing

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
)

// SignConfig signs a proxy config file: configBytes are its bytes (which
// must parse with config.Parse) and name its file name (the statement's
// subject; the verifier compares it with the name of the file it reads).
// It returns the Sigstore bundle to write beside the config, at
// name + signed.BundleSuffix.
func SignConfig(configBytes []byte, name string, key *ecdsa.PrivateKey) ([]byte, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("sign config: the key must be ECDSA P-256")
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("sign config: %q is not a file name", name)
	}
	c, err := config.Parse(configBytes)
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	payload, err := json.Marshal(signed.NewStatement(name, configBytes, c))
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	digest := sha256.Sum256(dsse.PAE(signed.PayloadType, payload))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	keyID, err := signed.KeyID(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	b := signed.Bundle{
		MediaType: signed.BundleMediaType,
		VerificationMaterial: signed.VerificationMaterial{
			PublicKey: signed.PublicKeyIdentifier{Hint: keyID},
		},
		DSSEEnvelope: signed.Envelope{
			Payload:     payload,
			PayloadType: signed.PayloadType,
			Signatures:  []signed.Signature{{Sig: sig}},
		},
	}
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("sign config %s: %w", name, err)
	}
	return append(out, '\n'), nil
}
