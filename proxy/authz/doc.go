// Package authz decides who may talk to an inbound listener: principals
// (a peer's SPIFFE ID matched exactly, by trust domain, or by a path
// pattern) and, on HTTP listeners, method and path rules per principal in
// Envoy RBAC's model (a request is allowed when one rule has a principal
// that matches the peer and a permission that matches the request; nothing
// else is).
//
// Paths are matched after NormalizePath, which resolves the tricks that
// would let a request reach a path that no rule allows: percent-encoded
// unreserved characters are decoded (%2e is "."), "." and ".." segments are
// resolved, repeated slashes are merged, and what cannot be normalized
// without guessing the backend's reading (an encoded "/" or "\", a
// backslash, control characters, bad escapes) is refused. The proxy
// forwards the normalized path, so that the backend sees what was
// authorized. Matching is case-sensitive, for paths and methods alike:
// "/Admin" and "get" match only rules that name them so.
package authz
