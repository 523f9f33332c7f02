// Package signed verifies signed proxy configs: the proxy runs a config only
// after Verify (or LoadFile) accepted it.
//
// A config file travels with a Sigstore bundle beside it (<config>.sigstore.json,
// media type application/vnd.dev.sigstore.bundle.v0.3+json). The bundle's
// DSSE envelope carries an in-toto Statement v1 whose one subject is the
// config file (its name and the SHA-256 of its bytes) and whose predicate
// (type https://meshproof.dev/proxy-config/v1) repeats what the proxy must
// enforce before it trusts the config: its name, serial, identity and
// validity window. The envelope is signed with ECDSA P-256 over SHA-256 of
// the DSSE pre-authentication encoding, and the bundle names the key in
// verificationMaterial.publicKey.hint (the hex SHA-256 of the key's DER
// SubjectPublicKeyInfo, see KeyID). The same bundle verifies offline with
//
//	cosign verify-blob-attestation --key signing.pub --bundle db.yaml.sigstore.json \
//	  --type https://meshproof.dev/proxy-config/v1 --insecure-ignore-tlog db.yaml
//
// Verify checks, in this order and before the config is parsed: the bundle
// (strict JSON, bounded size, media type), the payload type, the signature
// against any of the trusted keys (two at once during a key rotation), the
// statement, its subject name and digest. Only then does it parse the config
// and check that the predicate matches it, that the config is valid now,
// and, with a state file, that it does not roll back: a serial lower than the
// last accepted one is refused, and an equal serial is accepted only for
// identical bytes. The state file is replaced atomically after each
// acceptance of a higher serial, so a restart cannot roll back either.
//
// Transparency log entries and signed timestamps that a bundle may carry are
// not used: trust comes from the configured keys alone.
//
// Every refusal wraps one of the Err sentinels (compare with errors.Is);
// Reason gives a short label for logs and metrics.
//
// The proxy binary links this package: it depends only on the standard
// library, golang.org/x/crypto and go-securesystemslib's dsse package.
package signed
