package proxy

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshproof/meshproof/proxy/authz"
)

// XFCCHeader carries the authenticated client to an HTTP backend, in
// Envoy's X-Forwarded-Client-Cert format: By=<proxy ID>;Hash=<hex SHA-256
// of the client's leaf certificate>;URI=<client SPIFFE ID>. Any copy of it
// (in any spelling, underscores included) in an incoming request is
// removed.
const XFCCHeader = "X-Forwarded-Client-Cert"

// httpFront serves an inbound HTTP listener's connections once their
// handshake and connection-level check passed.
type httpFront struct {
	l     *listener
	srv   *http.Server
	ln    *chanListener
	rp    *httputil.ReverseProxy
	conns sync.Map // *tls.Conn -> *conn
}

type connKey struct{}
type forwardKey struct{}

func newHTTPFront(l *listener) *httpFront {
	f := &httpFront{l: l, ln: newChanListener(l.ln.Addr())}
	lim := l.s.cfg.Load().Spec.Limits
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: time.Duration(lim.HandshakeTimeout)}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	f.rp = &httputil.ReverseProxy{
		Rewrite:   f.rewrite,
		Transport: transport,
		ErrorLog:  log.New(io.Discard, "", 0),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			l.s.log.Warn("backend request failed", "listener", l.name, "err", err)
			l.met.upstreamFailed(ReasonBackend).Inc()
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	f.srv = &http.Server{
		Handler:           f,
		ReadHeaderTimeout: time.Duration(lim.HandshakeTimeout),
		IdleTimeout:       time.Duration(lim.IdleTimeout),
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){}, // HTTP/1.1 only
		ConnContext: func(ctx context.Context, nc net.Conn) context.Context {
			if c, ok := f.conns.Load(nc); ok {
				return context.WithValue(ctx, connKey{}, c)
			}
			return ctx
		},
		ConnState: func(nc net.Conn, st http.ConnState) {
			if st != http.StateClosed && st != http.StateHijacked {
				return
			}
			if v, ok := f.conns.LoadAndDelete(nc); ok {
				c := v.(*conn)
				c.terminate(closeDone, false)
				c.finish()
			}
		},
	}
	go f.srv.Serve(f.ln)
	return f
}

// serveHTTP hands an established connection to the HTTP server; the
// server's ConnState hook finishes it.
func (c *conn) serveHTTP(tc *tls.Conn) {
	f := c.l.front
	f.conns.Store(tc, c)
	if !f.ln.push(tc) {
		f.conns.Delete(tc)
		c.terminate(closeShutdown, false)
		c.finish()
	}
}

// ServeHTTP authorizes a request by the connection's peer, method and
// normalized path, and forwards what is allowed.
func (f *httpFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, _ := r.Context().Value(connKey{}).(*conn)
	if c == nil {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	start := time.Now()
	c.touch()
	l := f.l
	rec := requestRecord{Type: "request", Listener: l.name, Remote: c.remote, Peer: c.peerID.String(), Method: r.Method}
	cw := &countingWriter{ResponseWriter: w, c: c}
	body := &countingBody{ReadCloser: r.Body, c: c}
	r.Body = body
	defer func() {
		rec.Time = time.Now().UTC().Format(time.RFC3339Nano)
		rec.Status = cw.status
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
		rec.BytesIn, rec.BytesOut = body.n.Load(), cw.n
		rec.DurationMS = float64(time.Since(start).Microseconds()) / 1000
		l.met.request(rec.Decision).Inc()
		l.s.access.write(rec)
	}()

	target, _, _ := strings.Cut(r.RequestURI, "?")
	rec.Path = target
	if why := c.revokedReason(); why != "" {
		rec.Decision, rec.Reason = "deny", why
		l.met.denied(why).Inc()
		cw.Header().Set("Connection", "close")
		http.Error(cw, "access denied", http.StatusForbidden)
		return
	}
	if r.Header.Get("Upgrade") != "" {
		// A protocol switch would take the connection out of per-request
		// authorization: WebSocket and the like need a tcp listener.
		rec.Decision, rec.Reason = "deny", "upgrade_refused"
		l.met.denied("upgrade_refused").Inc()
		cw.Header().Set("Connection", "close")
		http.Error(cw, "protocol upgrades are not proxied", http.StatusNotImplemented)
		return
	}
	norm, err := authz.NormalizePath(target)
	if err != nil {
		rec.Decision, rec.Reason = "deny", "bad_path"
		l.met.denied("bad_path").Inc()
		http.Error(cw, "bad request path", http.StatusBadRequest)
		return
	}
	rec.Path = norm
	p := l.pol.Load()
	allowed := p.allow.Match(c.peerID)
	if p.http != nil {
		allowed = p.http.Allows(c.peerID, r.Method, norm)
	}
	if !allowed {
		rec.Decision, rec.Reason = "deny", "http_forbidden"
		l.met.denied("http_forbidden").Inc()
		http.Error(cw, "access denied", http.StatusForbidden)
		return
	}
	rec.Decision = "allow"
	// Forward what was authorized: the normalized path.
	if u, err := url.PathUnescape(norm); err == nil {
		r.URL.Path, r.URL.RawPath = u, norm
		if u == norm {
			r.URL.RawPath = ""
		}
	}
	ctx := context.WithValue(r.Context(), forwardKey{}, p.spec.Forward)
	f.rp.ServeHTTP(cw, r.WithContext(ctx))
}

func (f *httpFront) rewrite(pr *httputil.ProxyRequest) {
	c, _ := pr.In.Context().Value(connKey{}).(*conn)
	fwd, _ := pr.In.Context().Value(forwardKey{}).(string)
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = fwd
	pr.Out.Host = pr.In.Host
	pr.SetXForwarded()
	for name := range pr.Out.Header {
		if strings.EqualFold(strings.ReplaceAll(name, "_", "-"), XFCCHeader) {
			delete(pr.Out.Header, name)
		}
	}
	if c != nil && len(c.peerCerts) > 0 {
		sum := sha256.Sum256(c.peerCerts[0].Raw)
		pr.Out.Header.Set(XFCCHeader, "By="+f.l.s.mat.Load().id.String()+";Hash="+hex.EncodeToString(sum[:])+";URI="+c.peerID.String())
	}
}

type countingWriter struct {
	http.ResponseWriter
	c      *conn
	status int
	n      uint64
}

func (w *countingWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += uint64(n)
	w.c.out.Add(uint64(n))
	w.c.l.met.bytesOut.Add(uint64(n))
	w.c.touch()
	return n, err
}

// Unwrap lets http.ResponseController reach the flusher.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type countingBody struct {
	io.ReadCloser
	c *conn
	n atomic.Uint64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(uint64(n))
	b.c.in.Add(uint64(n))
	b.c.l.met.bytesIn.Add(uint64(n))
	b.c.touch()
	return n, err
}

// chanListener is a net.Listener fed with connections that were accepted,
// handshaken and authorized elsewhere.
type chanListener struct {
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	addr net.Addr
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{ch: make(chan net.Conn), done: make(chan struct{}), addr: addr}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) push(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
