package signed

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/meshproof/meshproof/proxy/config"
)

// Reasons a config is refused. Every error Verify returns for a config it
// refuses wraps exactly one of them.
var (
	// ErrUnsigned: there is no bundle.
	ErrUnsigned = errors.New("config is not signed")
	// ErrMalformed: the bundle is not a Sigstore v0.3 bundle with a public
	// key and a DSSE envelope, or the signed statement is not valid JSON of
	// the expected shape.
	ErrMalformed = errors.New("malformed signature bundle")
	// ErrPayloadType: the envelope carries something other than an in-toto
	// statement.
	ErrPayloadType = errors.New("unsupported DSSE payload type")
	// ErrBadSignature: no trusted key verifies the signature.
	ErrBadSignature = errors.New("signature does not verify with a trusted key")
	// ErrStatement: the statement is not an in-toto Statement v1 with one
	// subject and the proxy-config predicate type.
	ErrStatement = errors.New("not a signed proxy config statement")
	// ErrSubjectName: the config was signed under another file name.
	ErrSubjectName = errors.New("config was signed under another name")
	// ErrDigestMismatch: the config's bytes are not the signed ones.
	ErrDigestMismatch = errors.New("config digest does not match the signed digest")
	// ErrInvalidConfig: the signed config does not parse.
	ErrInvalidConfig = errors.New("invalid config")
	// ErrPredicateMismatch: the signed predicate disagrees with the config.
	ErrPredicateMismatch = errors.New("signed predicate does not match the config")
	// ErrNotYetValid: now is before the config's notBefore.
	ErrNotYetValid = errors.New("config is not yet valid")
	// ErrExpired: now is at or after the config's notAfter.
	ErrExpired = errors.New("config has expired")
	// ErrRollback: the serial is lower than the last accepted one, or equal
	// with other content.
	ErrRollback = errors.New("config rolls back")
	// ErrState: the rollback state file cannot be read or written.
	ErrState = errors.New("rollback state unusable")
)

var reasons = []struct {
	err   error
	label string
}{
	{ErrUnsigned, "unsigned"},
	{ErrMalformed, "malformed"},
	{ErrPayloadType, "payload_type"},
	{ErrBadSignature, "bad_signature"},
	{ErrStatement, "statement"},
	{ErrSubjectName, "subject_name"},
	{ErrDigestMismatch, "digest_mismatch"},
	{ErrInvalidConfig, "invalid_config"},
	{ErrPredicateMismatch, "predicate_mismatch"},
	{ErrNotYetValid, "not_yet_valid"},
	{ErrExpired, "expired"},
	{ErrRollback, "rollback"},
	{ErrState, "state"},
}

// Reason returns a short label for why err refused a config ("unsigned",
// "bad_signature", "expired", "rollback"...), for logs and metrics: "" for
// nil, "error" for errors that are not a refusal (an unreadable file).
func Reason(err error) string {
	if err == nil {
		return ""
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.label
		}
	}
	return "error"
}

// Options are the settings of a verification.
type Options struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// StatePath is the rollback state file: it records the serial and
	// digest of the last accepted config. Empty turns rollback protection
	// off (for one-off checks; the proxy always sets it).
	StatePath string
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Verify checks that bundle is a valid signature of data, the config file
// called name (its base name, as signed), made with one of keys, and
// returns the parsed config. See the package documentation for the checks
// and their order; a refusal wraps one of the Err sentinels.
func Verify(data, bundle []byte, name string, keys []crypto.PublicKey, opts Options) (*config.Config, error) {
	if len(keys) == 0 {
		return nil, errors.New("verify config: no trusted keys")
	}
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return nil, fmt.Errorf("verify config: trusted key: %w", err)
		}
	}
	if len(bytes.TrimSpace(bundle)) == 0 {
		return nil, fmt.Errorf("%s: empty bundle: %w", name, ErrUnsigned)
	}
	b, err := ParseBundle(bundle)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", name, err, ErrMalformed)
	}
	env := &b.DSSEEnvelope
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("%s: payload type %q, want %s: %w", name, env.PayloadType, PayloadType, ErrPayloadType)
	}
	digest := sha256.Sum256(dsse.PAE(env.PayloadType, env.Payload))
	if !verifiedByAny(keys, digest[:], env.Signatures[0].Sig) {
		return nil, fmt.Errorf("%s: %w", name, ErrBadSignature)
	}

	// Signed from here on, but not yet known to be about this file.
	st, err := parseStatement(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%s: statement: %v: %w", name, err, ErrMalformed)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("%s: statement type %q, want %s: %w", name, st.Type, StatementType, ErrStatement)
	}
	if st.PredicateType != PredicateType {
		return nil, fmt.Errorf("%s: predicate type %q, want %s: %w", name, st.PredicateType, PredicateType, ErrStatement)
	}
	if len(st.Subject) != 1 {
		return nil, fmt.Errorf("%s: %d subjects, want 1: %w", name, len(st.Subject), ErrStatement)
	}
	sub := st.Subject[0]
	if sub.Name != name {
		return nil, fmt.Errorf("%s: signed as %q: %w", name, sub.Name, ErrSubjectName)
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if sub.Digest["sha256"] != got {
		return nil, fmt.Errorf("%s: sha256 %s, signed %s: %w", name, got, sub.Digest["sha256"], ErrDigestMismatch)
	}

	// The bytes are the signed ones: parse them.
	c, err := config.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", name, err, ErrInvalidConfig)
	}
	p := st.Predicate
	switch {
	case p.Name != c.Metadata.Name:
		return nil, fmt.Errorf("%s: predicate name %q, config %q: %w", name, p.Name, c.Metadata.Name, ErrPredicateMismatch)
	case p.Serial != c.Spec.Serial:
		return nil, fmt.Errorf("%s: predicate serial %d, config %d: %w", name, p.Serial, c.Spec.Serial, ErrPredicateMismatch)
	case p.Identity != c.Spec.Identity:
		return nil, fmt.Errorf("%s: predicate identity %q, config %q: %w", name, p.Identity, c.Spec.Identity, ErrPredicateMismatch)
	case !p.NotBefore.Equal(c.Spec.NotBefore) || !p.NotAfter.Equal(c.Spec.NotAfter):
		return nil, fmt.Errorf("%s: predicate validity differs from the config's: %w", name, ErrPredicateMismatch)
	}
	now := opts.now()
	if now.Before(c.Spec.NotBefore) {
		return nil, fmt.Errorf("%s: valid from %s: %w", name, c.Spec.NotBefore.Format(time.RFC3339), ErrNotYetValid)
	}
	if !now.Before(c.Spec.NotAfter) {
		return nil, fmt.Errorf("%s: valid until %s: %w", name, c.Spec.NotAfter.Format(time.RFC3339), ErrExpired)
	}
	if opts.StatePath != "" {
		if err := accept(opts.StatePath, name, c.Spec.Serial, got, now); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return c, nil
}

// verifiedByAny reports whether sig is an ECDSA signature of digest by one
// of keys (all checked by checkKey).
func verifiedByAny(keys []crypto.PublicKey, digest, sig []byte) bool {
	for _, k := range keys {
		if ecdsa.VerifyASN1(k.(*ecdsa.PublicKey), digest, sig) {
			return true
		}
	}
	return false
}

// LoadFile reads the config at configPath and its bundle at configPath +
// BundleSuffix and verifies them (see Verify). A missing bundle is
// ErrUnsigned; other read errors are returned as they are.
func LoadFile(configPath string, keys []crypto.PublicKey, opts Options) (*config.Config, error) {
	data, err := readLimited(configPath, config.MaxSize)
	if err != nil {
		return nil, err
	}
	bundlePath := configPath + BundleSuffix
	bundle, err := readLimited(bundlePath, MaxBundleSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no bundle %s: %w", configPath, bundlePath, ErrUnsigned)
	}
	if err != nil {
		return nil, err
	}
	return Verify(data, bundle, filepath.Base(configPath), keys, opts)
}

// readLimited reads a file of at most max bytes (one more is read, so that
// the parsers report the size).
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return data, nil
}
