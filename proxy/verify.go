package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// Reasons a connection is refused, as access logs and metrics label them.
const (
	ReasonNoClientCert     = "no_client_cert"
	ReasonBadSVID          = "bad_svid"         // not exactly one URI SAN, a CA leaf...
	ReasonUntrustedDomain  = "untrusted_domain" // no bundle for the peer's trust domain
	ReasonUntrustedCA      = "untrusted_ca"
	ReasonExpired          = "expired"
	ReasonNotYetValid      = "not_yet_valid"
	ReasonUnauthorized     = "unauthorized" // verified, but no principal allows the ID
	ReasonWrongServerID    = "wrong_server_id"
	ReasonConfigExpired    = "config_expired"
	ReasonTLSVersion       = "tls_version"
	ReasonHandshakeTimeout = "handshake_timeout"
	ReasonClientClosed     = "client_closed"
	ReasonRemoteAlert      = "remote_alert" // the peer refused us
	ReasonTLSError         = "tls_error"
	ReasonMaxConnections   = "max_connections"
	ReasonUpstream         = "upstream_unreachable"
	ReasonBackend          = "backend_unreachable"
)

// denial is why a peer is not allowed; authz marks a verified peer that the
// policy refuses (the rest are authentication failures).
type denial struct {
	reason string
	authz  bool
	err    error
}

func (d *denial) Error() string {
	if d.err != nil {
		return d.reason + ": " + d.err.Error()
	}
	return d.reason
}

func (d *denial) Unwrap() error { return d.err }

// verifyChain authenticates a peer's certificate chain against the current
// bundle: it must be an X.509 SVID of the bundle's trust domain, valid now.
func verifyChain(m *material, certs []*x509.Certificate, now time.Time) (spiffeid.ID, *denial) {
	if len(certs) == 0 {
		return spiffeid.ID{}, &denial{reason: ReasonNoClientCert}
	}
	leaf := certs[0]
	id, err := x509svid.IDFromCert(leaf)
	if err != nil {
		return spiffeid.ID{}, &denial{reason: ReasonBadSVID, err: err}
	}
	if !id.MemberOf(m.bundle.TrustDomain()) {
		return id, &denial{reason: ReasonUntrustedDomain, err: errors.New("no trust bundle for " + id.TrustDomain().Name())}
	}
	if _, _, err := x509svid.Verify(certs, m.bundle, x509svid.WithTime(now)); err != nil {
		var inv x509.CertificateInvalidError
		var ua x509.UnknownAuthorityError
		switch {
		case errors.As(err, &inv) && inv.Reason == x509.Expired:
			if now.Before(leaf.NotBefore) {
				return id, &denial{reason: ReasonNotYetValid, err: err}
			}
			return id, &denial{reason: ReasonExpired, err: err}
		case errors.As(err, &ua):
			return id, &denial{reason: ReasonUntrustedCA, err: err}
		default:
			return id, &denial{reason: ReasonBadSVID, err: err}
		}
	}
	return id, nil
}

// rawConn is a TCP connection under a TLS state: the TLS server records
// on it whether the client offered TLS 1.3 at all, to label a refusal, and
// an event loop that takes the connection over redirects its reads and
// writes (via) to the socket it owns.
type rawConn struct {
	*net.TCPConn
	noTLS13 bool
	via     io.ReadWriter
}

func (rc *rawConn) Read(p []byte) (int, error) {
	if rc.via != nil {
		return rc.via.Read(p)
	}
	return rc.TCPConn.Read(p)
}

func (rc *rawConn) Write(p []byte) (int, error) {
	if rc.via != nil {
		return rc.via.Write(p)
	}
	return rc.TCPConn.Write(p)
}

// noteHello is the server's GetConfigForClient: it only records.
func noteHello(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	if rc, ok := hello.Conn.(*rawConn); ok && !slices.Contains(hello.SupportedVersions, tls.VersionTLS13) {
		rc.noTLS13 = true
	}
	return nil, nil
}

// handshakeReason labels a failed handshake.
func handshakeReason(err error, rc *rawConn) (string, bool) {
	var d *denial
	var op *net.OpError
	switch {
	case errors.As(err, &d):
		return d.reason, d.authz
	case rc != nil && rc.noTLS13:
		return ReasonTLSVersion, false
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ReasonHandshakeTimeout, false
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed):
		return ReasonClientClosed, false
	case errors.As(err, &op) && op.Op == "remote error":
		return ReasonRemoteAlert, false
	}
	return ReasonTLSError, false
}

func idFromCert(c *x509.Certificate) (spiffeid.ID, error) { return x509svid.IDFromCert(c) }
