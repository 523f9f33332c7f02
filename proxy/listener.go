package proxy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/meshproof/meshproof/proxy/authz"
	"github.com/meshproof/meshproof/proxy/config"
)

// policy is what one listener enforces, swapped whole on a reload.
type policy struct {
	spec   config.Listener
	allow  *authz.Matcher
	http   *authz.HTTPPolicy // inbound http listeners with httpRules
	server *authz.Matcher    // outbound: the upstream's identity
}

// listener is one bound port.
type listener struct {
	s                          *Server
	name, mode, protocol, addr string
	ln                         *net.TCPListener
	pol                        atomic.Pointer[policy]
	serverTLS                  atomic.Pointer[tls.Config]         // inbound
	sessions                   atomic.Pointer[tlsSessionCacheBox] // outbound
	front                      *httpFront
	closed                     atomic.Bool
	met                        *listenerMetrics
	// takeover is the running listener whose bound socket this one takes
	// when the config is applied (a rename, or a new mode or protocol on
	// the same address); nil when this one bound its own.
	takeover *listener
	handOver atomic.Bool   // its socket goes to another listener: stop accepting, keep it open
	done     chan struct{} // closed when acceptLoop returns
}

type tlsSessionCacheBox struct{ c tls.ClientSessionCache }

// newListener compiles lc's policy and binds its address, or, with from,
// prepares to take from's socket over when the config is applied.
func (s *Server) newListener(lc config.Listener, from *listener) (*listener, error) {
	p, err := compilePolicy(lc)
	if err != nil {
		return nil, fmt.Errorf("listener %s: %w", lc.Name, err)
	}
	l := &listener{s: s, name: lc.Name, mode: lc.Mode, protocol: lc.Protocol, addr: lc.Listen, takeover: from, done: make(chan struct{})}
	if from != nil {
		l.ln = from.ln
	} else {
		ln, err := net.Listen("tcp", lc.Listen)
		if err != nil {
			return nil, fmt.Errorf("listener %s: %w", lc.Name, err)
		}
		l.ln = ln.(*net.TCPListener)
	}
	l.pol.Store(p)
	l.resetTLS()
	l.met = s.met.forListener(l.name)
	if l.mode == config.Inbound && l.protocol == config.HTTP {
		l.front = newHTTPFront(l)
	}
	return l, nil
}

// sameSocket reports whether lc can keep this listener's socket.
func (l *listener) sameSocket(lc config.Listener) bool {
	return lc.Mode == l.mode && lc.Protocol == l.protocol && lc.Listen == l.addr
}

func (l *listener) serve() {
	if l.takeover != nil {
		l.ln.SetDeadline(time.Time{}) // the previous owner's loop has returned
	}
	l.s.wg.Add(1)
	go l.acceptLoop()
}

func (l *listener) acceptLoop() {
	defer l.s.wg.Done()
	defer close(l.done)
	for {
		tc, err := l.ln.AcceptTCP()
		if err != nil {
			if l.closed.Load() || errors.Is(err, net.ErrClosed) || l.handOver.Load() {
				return
			}
			l.s.log.Warn("accept", "listener", l.name, "err", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		l.s.accept(l, tc)
	}
}

// discard closes a listener that was bound but never served (a socket it
// was to take over stays with its owner).
func (l *listener) discard() {
	if l.takeover == nil {
		l.closeListener()
	}
	if l.front != nil {
		l.front.srv.Close()
	}
}

func (l *listener) closeListener() {
	if !l.closed.Swap(true) {
		l.ln.Close()
	}
}

// stop ends a listener that a new config removed: it stops accepting
// (closing its socket, unless handOver keeps the socket for the listener
// that takes it over: then stop returns once the accept loop has) and its
// connections get the drain timeout to finish.
func (l *listener) stop(handOver bool) {
	if handOver {
		l.handOver.Store(true)
		l.ln.SetDeadline(time.Now())
		<-l.done
	} else {
		l.closeListener()
	}
	s := l.s
	drain := time.Duration(s.cfg.Load().Spec.Limits.DrainTimeout)
	s.connMu.Lock()
	for c := range s.conns {
		if c.l == l {
			c.startDrain(drain, closeListenerRemoved)
		}
	}
	s.connMu.Unlock()
	if l.front != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), drain)
			defer cancel()
			l.front.srv.Shutdown(ctx)
		}()
	}
}

func (l *listener) shutdownHTTP(ctx context.Context) {
	if l.front != nil {
		l.front.srv.Shutdown(ctx)
	}
}

// resetTLS builds fresh TLS state: a server config with new session
// ticket keys (tickets issued under the old trust bundle are no longer
// resumed) and an empty client session cache.
func (l *listener) resetTLS() {
	if l.mode == config.Outbound {
		l.sessions.Store(&tlsSessionCacheBox{&sessionCache{s: l.s, lru: tls.NewLRUClientSessionCache(256)}})
		return
	}
	s := l.s
	c := &tls.Config{
		MinVersion:         tls.VersionTLS13,
		MaxVersion:         tls.VersionTLS13,
		ClientAuth:         tls.RequestClientCert, // verified in VerifyConnection against the current bundle
		GetConfigForClient: noteHello,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.mat.Load().cert, nil
		},
		// VerifyConnection runs on every handshake, resumed ones included
		// (VerifyPeerCertificate does not), so a ticket issued under an
		// older policy or bundle cannot skip authorization.
		VerifyConnection: func(cs tls.ConnectionState) error {
			if _, d := l.checkInbound(cs.PeerCertificates); d != nil {
				return d
			}
			return nil
		},
	}
	if l.protocol == config.HTTP {
		c.NextProtos = []string{"http/1.1"}
	}
	s.tagTickets(c)
	l.serverTLS.Store(c)
}

// clientTLS is the config of one outbound connection.
func (l *listener) clientTLS(p *policy) *tls.Config {
	s := l.s
	sni := p.spec.ServerName
	if sni == "" {
		sni, _, _ = net.SplitHostPort(p.spec.Upstream)
	}
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		MaxVersion:         tls.VersionTLS13,
		ServerName:         sni,
		ClientSessionCache: l.sessions.Load().c,
		// The upstream is authenticated by its SPIFFE ID against the trust
		// bundle in VerifyConnection (which also runs on resumption), not
		// by a DNS name against system roots.
		InsecureSkipVerify: true,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return s.mat.Load().cert, nil
		},
		VerifyConnection: func(cs tls.ConnectionState) error {
			if _, d := l.checkServer(cs.PeerCertificates); d != nil {
				return d
			}
			return nil
		},
	}
}

// checkInbound authenticates and authorizes a client chain now.
func (l *listener) checkInbound(certs []*x509.Certificate) (spiffeid.ID, *denial) {
	s := l.s
	now := s.now()
	if cfg := s.cfg.Load(); !now.Before(cfg.Spec.NotAfter) {
		return spiffeid.ID{}, &denial{reason: ReasonConfigExpired}
	}
	id, d := verifyChain(s.mat.Load(), certs, now)
	if d != nil {
		return id, d
	}
	p := l.pol.Load()
	if p.allow.Match(id) || p.http.MayConnect(id) {
		return id, nil
	}
	return id, &denial{reason: ReasonUnauthorized, authz: true, err: fmt.Errorf("%s is not allowed on listener %s", id, l.name)}
}

// checkServer authenticates an upstream chain and checks its identity.
func (l *listener) checkServer(certs []*x509.Certificate) (spiffeid.ID, *denial) {
	s := l.s
	now := s.now()
	if cfg := s.cfg.Load(); !now.Before(cfg.Spec.NotAfter) {
		return spiffeid.ID{}, &denial{reason: ReasonConfigExpired}
	}
	id, d := verifyChain(s.mat.Load(), certs, now)
	if d != nil {
		return id, d
	}
	if p := l.pol.Load(); p.server.Match(id) {
		return id, nil
	}
	return id, &denial{reason: ReasonWrongServerID, authz: true, err: fmt.Errorf("upstream is %s", id)}
}
