package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	yaml "go.yaml.in/yaml/v3"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
	"github.com/meshproof/meshproof/proxy/signed/strictjson"
)

// FilePredicateType is the predicate type of a signed file that is not a
// proxy config (a report, an SBOM, a manifest): the signer vouches for
// its bytes under its name.
const FilePredicateType = "https://meshproof.dev/signed-file/v1"

// MaxFileSize bounds a file Sign and Verify read.
const MaxFileSize = 256 << 20

// FilePredicate is the predicate of a signed file.
type FilePredicate struct {
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
}

// fileStatement is the in-toto statement of a signed file.
type fileStatement struct {
	Type          string           `json:"_type"`
	Subject       []signed.Subject `json:"subject"`
	PredicateType string           `json:"predicateType"`
	Predicate     FilePredicate    `json:"predicate"`
}

// IsProxyConfig reports whether data is meant as a proxy config: a YAML
// document of kind ProxyConfig in a meshproof.dev API group. Sign signs
// such files with the proxy-config predicate, which only a valid config
// gets; everything else is signed as a file.
func IsProxyConfig(data []byte) bool {
	var head struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&head); err != nil {
		return false
	}
	return head.Kind == config.Kind && strings.HasPrefix(head.APIVersion, "meshproof.dev/")
}

// Sign signs any file: a proxy config (IsProxyConfig) with the
// proxy-config predicate (see SignConfig; it must be valid), anything else
// with FilePredicateType. It returns the bundle to write beside the file,
// at name + signed.BundleSuffix.
func Sign(data []byte, name string, key *ecdsa.PrivateKey) ([]byte, error) {
	if IsProxyConfig(data) {
		return SignConfig(data, name, key)
	}
	return SignFile(data, name, key)
}

// SignFile signs a file's bytes under its name with the file predicate,
// whatever the file holds.
func SignFile(data []byte, name string, key *ecdsa.PrivateKey) ([]byte, error) {
	if err := checkSignInput(name, key); err != nil {
		return nil, fmt.Errorf("sign file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("sign file %s: larger than %d bytes", name, MaxFileSize)
	}
	sum := sha256.Sum256(data)
	st := fileStatement{
		Type:          signed.StatementType,
		Subject:       []signed.Subject{{Name: name, Digest: map[string]string{"sha256": hex.EncodeToString(sum[:])}}},
		PredicateType: FilePredicateType,
		Predicate:     FilePredicate{Size: int64(len(data))},
	}
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("sign file %s: %w", name, err)
	}
	b, err := bundle(payload, key)
	if err != nil {
		return nil, fmt.Errorf("sign file %s: %w", name, err)
	}
	return b, nil
}

func checkSignInput(name string, key *ecdsa.PrivateKey) error {
	if key == nil || key.Curve != elliptic.P256() {
		return errors.New("the key must be ECDSA P-256")
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("%q is not a file name", name)
	}
	return nil
}

// bundle signs an in-toto statement into a Sigstore bundle.
func bundle(payload []byte, key *ecdsa.PrivateKey) ([]byte, error) {
	digest := sha256.Sum256(dsse.PAE(signed.PayloadType, payload))
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
	if err != nil {
		return nil, err
	}
	keyID, err := signed.KeyID(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	b := signed.Bundle{
		MediaType:            signed.BundleMediaType,
		VerificationMaterial: signed.VerificationMaterial{PublicKey: signed.PublicKeyIdentifier{Hint: keyID}},
		DSSEEnvelope: signed.Envelope{
			Payload:     payload,
			PayloadType: signed.PayloadType,
			Signatures:  []signed.Signature{{Sig: sig}},
		},
	}
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Verified is what Verify accepted.
type Verified struct {
	// PredicateType says which check ran: signed.PredicateType (a proxy
	// config, checked as the proxy checks it) or FilePredicateType.
	PredicateType string
	// Config is the verified proxy config (proxy-config predicate only).
	Config *config.Config
	// Size is the file's size (file predicate only).
	Size int64
	// SHA256 is the hex digest of the verified bytes.
	SHA256 string
}

// ErrUnknownPredicate: the bundle is signed, but for a kind of statement
// meshproof does not verify.
var ErrUnknownPredicate = errors.New("unknown predicate type")

// Verify checks that bundle is a valid signature of data, the file called
// name, by one of keys, and picks the check by the signed statement's
// predicate type: a proxy config is verified exactly as the proxy does
// (signed.Verify, with opts: validity window, rollback state), any other
// file by its name, digest and size. Refusals wrap the sentinels of
// package signed (ErrUnsigned, ErrMalformed, ErrBadSignature,
// ErrDigestMismatch, ...), so signed.Reason labels them, or
// ErrUnknownPredicate.
func Verify(data, bundleData []byte, name string, keys []crypto.PublicKey, opts signed.Options) (*Verified, error) {
	if len(keys) == 0 {
		return nil, errors.New("verify: no trusted keys")
	}
	for _, k := range keys {
		if pk, ok := k.(*ecdsa.PublicKey); !ok || pk == nil || pk.Curve != elliptic.P256() {
			return nil, fmt.Errorf("verify: a trusted key is not ECDSA P-256 (%T)", k)
		}
	}
	if len(bytes.TrimSpace(bundleData)) == 0 {
		return nil, fmt.Errorf("%s: empty bundle: %w", name, signed.ErrUnsigned)
	}
	b, err := signed.ParseBundle(bundleData)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", name, err, signed.ErrMalformed)
	}
	env := &b.DSSEEnvelope
	if env.PayloadType != signed.PayloadType {
		return nil, fmt.Errorf("%s: payload type %q, want %s: %w", name, env.PayloadType, signed.PayloadType, signed.ErrPayloadType)
	}
	digest := sha256.Sum256(dsse.PAE(env.PayloadType, env.Payload))
	ok := false
	for _, k := range keys {
		ok = ok || ecdsa.VerifyASN1(k.(*ecdsa.PublicKey), digest[:], env.Signatures[0].Sig)
	}
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, signed.ErrBadSignature)
	}
	// Signed from here on: which statement is it?
	top, err := strictjson.Object(env.Payload, "_type", "subject", "predicateType", "predicate")
	if err == nil {
		err = strictjson.Require(top, "_type", "subject", "predicateType", "predicate")
	}
	if err != nil {
		return nil, fmt.Errorf("%s: statement: %v: %w", name, err, signed.ErrMalformed)
	}
	typ, err := strictjson.String(top["_type"], "_type")
	if err != nil || typ != signed.StatementType {
		return nil, fmt.Errorf("%s: statement type %q, want %s: %w", name, typ, signed.StatementType, signed.ErrStatement)
	}
	pt, err := strictjson.String(top["predicateType"], "predicateType")
	if err != nil {
		return nil, fmt.Errorf("%s: statement: %v: %w", name, err, signed.ErrMalformed)
	}
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	switch pt {
	case signed.PredicateType:
		c, err := signed.Verify(data, bundleData, name, keys, opts)
		if err != nil {
			return nil, err
		}
		return &Verified{PredicateType: pt, Config: c, SHA256: hexSum}, nil
	case FilePredicateType:
		size, err := verifyFileStatement(top, data, name, hexSum)
		if err != nil {
			return nil, err
		}
		return &Verified{PredicateType: pt, Size: size, SHA256: hexSum}, nil
	}
	return nil, fmt.Errorf("%s: predicate type %q is neither %s nor %s: %w", name, pt, signed.PredicateType, FilePredicateType, ErrUnknownPredicate)
}

func verifyFileStatement(top map[string]json.RawMessage, data []byte, name, hexSum string) (int64, error) {
	malformed := func(err error) error { return fmt.Errorf("%s: statement: %v: %w", name, err, signed.ErrMalformed) }
	subjects, err := strictjson.Array(top["subject"], "subject")
	if err != nil {
		return 0, malformed(err)
	}
	if len(subjects) != 1 {
		return 0, fmt.Errorf("%s: %d subjects, want 1: %w", name, len(subjects), signed.ErrStatement)
	}
	s, err := strictjson.Object(subjects[0], "name", "digest")
	if err == nil {
		err = strictjson.Require(s, "name", "digest")
	}
	if err != nil {
		return 0, malformed(fmt.Errorf("subject[0]: %w", err))
	}
	subName, err := strictjson.String(s["name"], "name")
	if err != nil {
		return 0, malformed(err)
	}
	d, err := strictjson.Object(s["digest"], "sha256")
	if err == nil {
		err = strictjson.Require(d, "sha256")
	}
	if err != nil {
		return 0, malformed(fmt.Errorf("subject[0].digest: %w", err))
	}
	signedSum, err := strictjson.String(d["sha256"], "sha256")
	if err != nil {
		return 0, malformed(err)
	}
	p, err := strictjson.Object(top["predicate"], "size")
	if err == nil {
		err = strictjson.Require(p, "size")
	}
	if err != nil {
		return 0, malformed(fmt.Errorf("predicate: %w", err))
	}
	size, err := strconv.ParseInt(string(p["size"]), 10, 64)
	if err != nil || size < 0 {
		return 0, malformed(errors.New(`predicate field "size": not a size`))
	}
	if subName != name {
		return 0, fmt.Errorf("%s: signed as %q: %w", name, subName, signed.ErrSubjectName)
	}
	if signedSum != hexSum {
		return 0, fmt.Errorf("%s: sha256 %s, signed %s: %w", name, hexSum, signedSum, signed.ErrDigestMismatch)
	}
	if size != int64(len(data)) {
		// A matching SHA-256 with another size cannot happen; a signer
		// that wrote this is broken.
		return 0, fmt.Errorf("%s: %d bytes, signed %d: %w", name, len(data), size, signed.ErrPredicateMismatch)
	}
	return size, nil
}
