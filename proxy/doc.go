// Package proxy is meshproof-proxy's dataplane: it runs a verified config
// (package config, verified by package signed) and gives a workload, or a
// database on a VM, the mesh's guarantees.
//
// Inbound listeners terminate mutual TLS 1.3, authenticate the client's
// X.509 SVID against the current trust bundle (go-spiffe's parsing: exactly
// one URI SAN), authorize its SPIFFE ID (exact ID, trust domain or path
// pattern), and forward to a local address: raw TCP, optionally preceded by
// a PROXY protocol v2 header that names the peer (package proxyproto), or
// HTTP/1.1 with method and path rules per identity (package authz) and an
// X-Forwarded-Client-Cert header. Outbound listeners accept plaintext
// locally and originate mutual TLS to an upstream whose SPIFFE ID they
// check.
//
// Authorization runs in tls.Config.VerifyConnection, which crypto/tls
// calls on every handshake including resumed ones, against the bundle and
// policy of that moment; a ticket issued before a policy change therefore
// cannot skip it, and a bundle change also replaces the session ticket keys.
//
// Certificates, key, bundle and config are reloaded (Server.Reload, a file
// watcher, SIGHUP in the daemon) all or nothing. Connections open across a
// change are checked again; those no longer allowed get the config's drain
// timeout (limits.drainTimeout) to finish and are then closed with reason
// policy_revoked. On HTTP listeners every request is checked against the
// current rules at once, and a connection whose peer lost its permission
// gets 403 with Connection: close.
//
// Established TCP connections (inbound tcp and outbound listeners) are
// forwarded by event loops on Linux (loop_linux.go): the handshake,
// authorization and dial run on the connection's goroutine, then a loop
// owns both sockets and reads each message once when epoll reports it,
// instead of two goroutines that each try a read, find nothing and park.
// HTTP listeners, and every connection elsewhere or with
// Options.NoEventLoop, stay on goroutines.
//
// Every connection (and every HTTP request) writes one JSON access log
// record; /metrics, /healthz and /readyz are served on the admin address.
package proxy
