package signed

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed/strictjson"
)

// The formats a bundle is made of.
const (
	// BundleMediaType is the Sigstore bundle v0.3 media type.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// bundleMediaTypeV03Alt is the older spelling of the same version, which
	// sigstore-go also reads.
	bundleMediaTypeV03Alt = "application/vnd.dev.sigstore.bundle+json;version=0.3"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// StatementType is the in-toto Statement v1 type.
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType is the predicate type of a signed proxy config.
	PredicateType = "https://meshproof.dev/proxy-config/v1"
	// BundleSuffix is appended to a config's path to name its bundle.
	BundleSuffix = ".sigstore.json"
	// MaxBundleSize bounds a bundle file.
	MaxBundleSize = 256 << 10
)

// Bundle is a Sigstore bundle (protobuf-specs dev.sigstore.bundle.v1.Bundle
// in its JSON form) holding a DSSE envelope signed with a public key.
type Bundle struct {
	MediaType            string               `json:"mediaType"`
	VerificationMaterial VerificationMaterial `json:"verificationMaterial"`
	DSSEEnvelope         Envelope             `json:"dsseEnvelope"`
}

// VerificationMaterial identifies the signing key. TlogEntries and
// TimestampVerificationData are read (other producers may add them) but not
// used.
type VerificationMaterial struct {
	PublicKey                 PublicKeyIdentifier `json:"publicKey"`
	TlogEntries               []json.RawMessage   `json:"tlogEntries,omitempty"`
	TimestampVerificationData json.RawMessage     `json:"timestampVerificationData,omitempty"`
}

// PublicKeyIdentifier names the key; the hint is unauthenticated.
type PublicKeyIdentifier struct {
	Hint string `json:"hint,omitempty"`
}

// Envelope is a DSSE envelope; Payload and Sig are base64 in JSON.
type Envelope struct {
	Payload     []byte      `json:"payload"`
	PayloadType string      `json:"payloadType"`
	Signatures  []Signature `json:"signatures"`
}

// Signature is one DSSE signature: ASN.1 DER ECDSA over SHA-256 of the
// pre-authentication encoding. KeyID stays empty in the bundles meshproof
// writes (the key is named by the bundle's public key hint), because
// DSSE verifiers skip a signature whose keyid differs from the ID they
// compute for the key.
type Signature struct {
	Sig   []byte `json:"sig"`
	KeyID string `json:"keyid,omitempty"`
}

// Statement is the in-toto Statement v1 a bundle carries.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject is the signed file: its name and digests (hex).
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Predicate repeats what the proxy enforces before it trusts a config.
type Predicate struct {
	Name      string    `json:"name"`
	Serial    uint64    `json:"serial"`
	Identity  string    `json:"identity"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
}

// NewStatement returns the statement for a config file: name is the file
// name, data its bytes and c the parsed config.
func NewStatement(name string, data []byte, c *config.Config) *Statement {
	sum := sha256.Sum256(data)
	return &Statement{
		Type:          StatementType,
		Subject:       []Subject{{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}},
		PredicateType: PredicateType,
		Predicate: Predicate{
			Name:      c.Metadata.Name,
			Serial:    c.Spec.Serial,
			Identity:  c.Spec.Identity,
			NotBefore: c.Spec.NotBefore.UTC(),
			NotAfter:  c.Spec.NotAfter.UTC(),
		},
	}
}

// KeyID is the ID of a public key: the hex SHA-256 of its DER
// SubjectPublicKeyInfo.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("key ID: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// ParsePublicKeys reads the PEM "PUBLIC KEY" blocks of data: ECDSA P-256
// keys only. Several files' contents may be concatenated.
func ParsePublicKeys(data []byte) ([]crypto.PublicKey, error) {
	var keys []crypto.PublicKey
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("parse public keys: PEM block %q is not a PUBLIC KEY", b.Type)
		}
		pub, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse public keys: %w", err)
		}
		if err := checkKey(pub); err != nil {
			return nil, fmt.Errorf("parse public keys: %w", err)
		}
		keys = append(keys, pub)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("parse public keys: data that is not PEM")
	}
	if len(keys) == 0 {
		return nil, errors.New("parse public keys: no PUBLIC KEY block")
	}
	return keys, nil
}

func checkKey(pub crypto.PublicKey) error {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || k == nil || k.Curve == nil {
		return fmt.Errorf("a %T key is not supported (ECDSA P-256 only)", pub)
	}
	if k.Curve != elliptic.P256() {
		return fmt.Errorf("an ECDSA %s key is not supported (P-256 only)", k.Curve.Params().Name)
	}
	return nil
}

// The parsers below read JSON strictly (package strictjson).

// ParseBundle reads a bundle strictly: a v0.3 media type, a public key as
// verification material and a DSSE envelope with exactly one signature. It
// checks the bundle's form only; Verify checks what it says.
func ParseBundle(data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("larger than %d bytes", MaxBundleSize)
	}
	top, err := strictjson.Object(data, "mediaType", "verificationMaterial", "dsseEnvelope")
	if err != nil {
		return nil, err
	}
	if err := strictjson.Require(top, "mediaType", "verificationMaterial", "dsseEnvelope"); err != nil {
		return nil, err
	}
	var b Bundle
	if b.MediaType, err = strictjson.String(top["mediaType"], "mediaType"); err != nil {
		return nil, err
	}
	if b.MediaType != BundleMediaType && b.MediaType != bundleMediaTypeV03Alt {
		return nil, fmt.Errorf("media type %q is not %s", b.MediaType, BundleMediaType)
	}

	vm, err := strictjson.Object(top["verificationMaterial"], "publicKey", "tlogEntries", "timestampVerificationData")
	if err != nil {
		return nil, fmt.Errorf("verificationMaterial: %w (a public key is required)", err)
	}
	if err := strictjson.Require(vm, "publicKey"); err != nil {
		return nil, fmt.Errorf("verificationMaterial: %w", err)
	}
	pk, err := strictjson.Object(vm["publicKey"], "hint")
	if err != nil {
		return nil, fmt.Errorf("verificationMaterial.publicKey: %w", err)
	}
	if raw, ok := pk["hint"]; ok {
		if b.VerificationMaterial.PublicKey.Hint, err = strictjson.String(raw, "hint"); err != nil {
			return nil, err
		}
	}
	if raw, ok := vm["tlogEntries"]; ok {
		if b.VerificationMaterial.TlogEntries, err = strictjson.Array(raw, "tlogEntries"); err != nil {
			return nil, err
		}
	}
	if raw, ok := vm["timestampVerificationData"]; ok {
		if _, err := strictjson.Object(raw, "rfc3161Timestamps"); err != nil {
			return nil, fmt.Errorf("timestampVerificationData: %w", err)
		}
		b.VerificationMaterial.TimestampVerificationData = raw
	}

	env, err := strictjson.Object(top["dsseEnvelope"], "payload", "payloadType", "signatures")
	if err != nil {
		return nil, fmt.Errorf("dsseEnvelope: %w", err)
	}
	if err := strictjson.Require(env, "payload", "payloadType", "signatures"); err != nil {
		return nil, fmt.Errorf("dsseEnvelope: %w", err)
	}
	e := &b.DSSEEnvelope
	if e.PayloadType, err = strictjson.String(env["payloadType"], "payloadType"); err != nil {
		return nil, err
	}
	if e.Payload, err = strictjson.Base64(env["payload"], "payload"); err != nil {
		return nil, err
	}
	sigs, err := strictjson.Array(env["signatures"], "signatures")
	if err != nil {
		return nil, err
	}
	// A DSSE envelope in a Sigstore bundle carries exactly one signature.
	if len(sigs) != 1 {
		return nil, fmt.Errorf("dsseEnvelope: %d signatures, want exactly 1", len(sigs))
	}
	s, err := strictjson.Object(sigs[0], "sig", "keyid")
	if err != nil {
		return nil, fmt.Errorf("dsseEnvelope.signatures[0]: %w", err)
	}
	if err := strictjson.Require(s, "sig"); err != nil {
		return nil, fmt.Errorf("dsseEnvelope.signatures[0]: %w", err)
	}
	var sig Signature
	if sig.Sig, err = strictjson.Base64(s["sig"], "sig"); err != nil {
		return nil, err
	}
	if raw, ok := s["keyid"]; ok {
		if sig.KeyID, err = strictjson.String(raw, "keyid"); err != nil {
			return nil, err
		}
	}
	e.Signatures = []Signature{sig}
	return &b, nil
}

// parseStatement reads the signed statement strictly: one subject with a
// SHA-256 digest, and the proxy-config predicate.
func parseStatement(data []byte) (*Statement, error) {
	top, err := strictjson.Object(data, "_type", "subject", "predicateType", "predicate")
	if err != nil {
		return nil, err
	}
	if err := strictjson.Require(top, "_type", "subject", "predicateType", "predicate"); err != nil {
		return nil, err
	}
	var st Statement
	if st.Type, err = strictjson.String(top["_type"], "_type"); err != nil {
		return nil, err
	}
	if st.PredicateType, err = strictjson.String(top["predicateType"], "predicateType"); err != nil {
		return nil, err
	}
	subjects, err := strictjson.Array(top["subject"], "subject")
	if err != nil {
		return nil, err
	}
	for i, raw := range subjects {
		s, err := strictjson.Object(raw, "name", "digest")
		if err != nil {
			return nil, fmt.Errorf("subject[%d]: %w", i, err)
		}
		if err := strictjson.Require(s, "name", "digest"); err != nil {
			return nil, fmt.Errorf("subject[%d]: %w", i, err)
		}
		var sub Subject
		if sub.Name, err = strictjson.String(s["name"], "name"); err != nil {
			return nil, err
		}
		d, err := strictjson.Object(s["digest"], "sha256")
		if err != nil {
			return nil, fmt.Errorf("subject[%d].digest: %w", i, err)
		}
		if err := strictjson.Require(d, "sha256"); err != nil {
			return nil, fmt.Errorf("subject[%d].digest: %w", i, err)
		}
		h, err := strictjson.String(d["sha256"], "sha256")
		if err != nil {
			return nil, err
		}
		sub.Digest = map[string]string{"sha256": h}
		st.Subject = append(st.Subject, sub)
	}
	p, err := strictjson.Object(top["predicate"], "name", "serial", "identity", "notBefore", "notAfter")
	if err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	if err := strictjson.Require(p, "name", "serial", "identity", "notBefore", "notAfter"); err != nil {
		return nil, fmt.Errorf("predicate: %w", err)
	}
	pr := &st.Predicate
	if pr.Name, err = strictjson.String(p["name"], "name"); err != nil {
		return nil, err
	}
	if pr.Identity, err = strictjson.String(p["identity"], "identity"); err != nil {
		return nil, err
	}
	if pr.Serial, err = strconv.ParseUint(string(p["serial"]), 10, 64); err != nil {
		return nil, errors.New(`field "serial": not an unsigned integer`)
	}
	for _, f := range []struct {
		name string
		t    *time.Time
	}{{"notBefore", &pr.NotBefore}, {"notAfter", &pr.NotAfter}} {
		s, err := strictjson.String(p[f.name], f.name)
		if err != nil {
			return nil, err
		}
		if *f.t, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("field %q: not an RFC 3339 time", f.name)
		}
	}
	return &st, nil
}
