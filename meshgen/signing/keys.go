package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// PEM block types of the keys this package reads and writes.
const (
	pemPublicKey  = "PUBLIC KEY"
	pemPrivateKey = "PRIVATE KEY"    // PKCS #8, unencrypted
	pemECKey      = "EC PRIVATE KEY" // SEC 1, unencrypted (read only)
	// cosign's encrypted private keys: the PKCS #8 DER sealed with NaCl
	// secretbox under a key derived from the password with scrypt, in a
	// JSON envelope. cosign writes SIGSTORE and still reads COSIGN.
	pemEncryptedSigstore = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemEncryptedCosign   = "ENCRYPTED COSIGN PRIVATE KEY"
)

// ErrWrongPassword is returned by LoadPrivateKey when an encrypted key does
// not open with the password (or its ciphertext was altered).
var ErrWrongPassword = errors.New("wrong password or corrupted key")

// GenerateKey makes an ECDSA P-256 signing key and returns it and its public
// key in PEM. With a password the private key is encrypted in cosign's
// format (PEM type "ENCRYPTED SIGSTORE PRIVATE KEY", which cosign reads);
// without one it is a plain PKCS #8 "PRIVATE KEY".
func GenerateKey(password []byte) (privPEM, pubPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	block := &pem.Block{Type: pemPrivateKey, Bytes: der}
	if len(password) > 0 {
		sealed, err := encrypt(der, password)
		if err != nil {
			return nil, nil, fmt.Errorf("generate key: %w", err)
		}
		block = &pem.Block{Type: pemEncryptedSigstore, Bytes: sealed}
	}
	pubPEM, err = MarshalPublicKey(&key.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("generate key: %w", err)
	}
	return pem.EncodeToMemory(block), pubPEM, nil
}

// MarshalPublicKey writes a public key as a PEM "PUBLIC KEY" block (DER
// SubjectPublicKeyInfo), the form cosign and openssl read.
func MarshalPublicKey(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der}), nil
}

// Encrypted reports whether data holds an encrypted private key, so that a
// caller knows to ask for a password.
func Encrypted(data []byte) bool {
	b, _ := pem.Decode(data)
	return b != nil && (b.Type == pemEncryptedSigstore || b.Type == pemEncryptedCosign)
}

// LoadPrivateKey reads an ECDSA P-256 private key from PEM: encrypted in
// cosign's format (written by GenerateKey or `cosign generate-key-pair`,
// opened with password, which may be empty as cosign allows), or a plain
// PKCS #8 or SEC 1 key (password ignored).
func LoadPrivateKey(data, password []byte) (*ecdsa.PrivateKey, error) {
	b, rest := pem.Decode(data)
	if b == nil {
		return nil, errors.New("load private key: no PEM block")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("load private key: more than one PEM block")
	}
	var (
		key any
		err error
	)
	switch b.Type {
	case pemEncryptedSigstore, pemEncryptedCosign:
		der, derr := decrypt(b.Bytes, password)
		if derr != nil {
			return nil, fmt.Errorf("load private key: %w", derr)
		}
		key, err = x509.ParsePKCS8PrivateKey(der)
	case pemPrivateKey:
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case pemECKey:
		key, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("load private key: unsupported PEM type %q", b.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("load private key: %w", err)
	}
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("load private key: a %T key is not supported (ECDSA P-256 only)", key)
	}
	if k.Curve != elliptic.P256() {
		return nil, fmt.Errorf("load private key: an ECDSA %s key is not supported (P-256 only)", k.Curve.Params().Name)
	}
	return k, nil
}

// sealedKey is cosign's encrypted key envelope (go-securesystemslib's
// "encrypted" format): byte fields are standard base64 in JSON.
type sealedKey struct {
	KDF struct {
		Name   string       `json:"name"`
		Params scryptParams `json:"params"`
		Salt   []byte       `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

type scryptParams struct {
	N int `json:"N"`
	R int `json:"r"`
	P int `json:"p"`
}

const (
	kdfScrypt       = "scrypt"
	cipherSecretbox = "nacl/secretbox"
	saltSize        = 32
	nonceSize       = 24
	boxKeySize      = 32
)

// The scrypt parameters cosign writes (N = 2^16) and the two others its
// library reads (2^15 for old keys, 2^17). Anything else is refused, so a
// crafted key cannot make the KDF run for hours or exhaust memory.
var (
	scryptStandard = scryptParams{N: 1 << 16, R: 8, P: 1}
	scryptAccepted = []scryptParams{{N: 1 << 15, R: 8, P: 1}, scryptStandard, {N: 1 << 17, R: 8, P: 1}}
)

func encrypt(plaintext, password []byte) ([]byte, error) {
	var s sealedKey
	s.KDF.Name = kdfScrypt
	s.KDF.Params = scryptStandard
	s.KDF.Salt = make([]byte, saltSize)
	s.Cipher.Name = cipherSecretbox
	s.Cipher.Nonce = make([]byte, nonceSize)
	if _, err := rand.Read(s.KDF.Salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(s.Cipher.Nonce); err != nil {
		return nil, err
	}
	key, err := scrypt.Key(password, s.KDF.Salt, s.KDF.Params.N, s.KDF.Params.R, s.KDF.Params.P, boxKeySize)
	if err != nil {
		return nil, err
	}
	var k [boxKeySize]byte
	var n [nonceSize]byte
	copy(k[:], key)
	copy(n[:], s.Cipher.Nonce)
	s.Ciphertext = secretbox.Seal(nil, plaintext, &n, &k)
	return json.Marshal(s)
}

func decrypt(sealed, password []byte) ([]byte, error) {
	var s sealedKey
	if err := json.Unmarshal(sealed, &s); err != nil {
		return nil, fmt.Errorf("encrypted key envelope: %w", err)
	}
	if s.KDF.Name != kdfScrypt {
		return nil, fmt.Errorf("encrypted key: unknown KDF %q", s.KDF.Name)
	}
	if s.Cipher.Name != cipherSecretbox {
		return nil, fmt.Errorf("encrypted key: unknown cipher %q", s.Cipher.Name)
	}
	if !slices.Contains(scryptAccepted, s.KDF.Params) {
		return nil, fmt.Errorf("encrypted key: unsupported scrypt parameters N=%d r=%d p=%d", s.KDF.Params.N, s.KDF.Params.R, s.KDF.Params.P)
	}
	if len(s.Cipher.Nonce) != nonceSize {
		return nil, errors.New("encrypted key: nonce is not 24 bytes")
	}
	key, err := scrypt.Key(password, s.KDF.Salt, s.KDF.Params.N, s.KDF.Params.R, s.KDF.Params.P, boxKeySize)
	if err != nil {
		return nil, fmt.Errorf("encrypted key: %w", err)
	}
	var k [boxKeySize]byte
	var n [nonceSize]byte
	copy(k[:], key)
	copy(n[:], s.Cipher.Nonce)
	plain, ok := secretbox.Open(nil, s.Ciphertext, &n, &k)
	if !ok {
		return nil, ErrWrongPassword
	}
	return plain, nil
}
