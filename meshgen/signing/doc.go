// Package signing signs proxy configs and any other file: ECDSA P-256 keys
// (cosign-compatible when encrypted) and Sigstore bundles (v0.3) carrying
// a DSSE-signed in-toto Statement v1. A proxy config's statement has the
// proxy-config predicate that package proxy/signed verifies (and the
// proxy alone accepts); any other file's has FilePredicateType. cosign
// verifies both offline with `cosign verify-blob-attestation --key ...
// --bundle ... --type <predicate type> --insecure-ignore-tlog FILE`, and
// openssl checks the raw signature over the DSSE pre-authentication
// encoding. Verify picks the check by the signed predicate type.
package signing
