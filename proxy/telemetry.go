package proxy

import (
	"io"
	"net/http"

	"github.com/meshproof/meshproof/proxy/metrics"
)

// Metric names (all prefixed meshproof_proxy_); docs/proxy.md lists them.
type serverMetrics struct {
	reg       *metrics.Registry
	accepted  *metrics.CounterVec
	active    *metrics.GaugeVec
	closed    *metrics.CounterVec
	handshake *metrics.CounterVec
	denials   *metrics.CounterVec
	upstream  *metrics.CounterVec
	bytes     *metrics.CounterVec
	requests  *metrics.CounterVec
	reloads   *metrics.CounterVec
}

type listenerMetrics struct {
	m                 *serverMetrics
	name              string
	accepted          *metrics.Counter
	active            *metrics.Gauge
	bytesIn, bytesOut *metrics.Counter
}

func newServerMetrics(s *Server) *serverMetrics {
	r := metrics.NewRegistry()
	m := &serverMetrics{
		reg:       r,
		accepted:  r.CounterVec("meshproof_proxy_connections_total", "Connections accepted, by listener.", "listener"),
		active:    r.GaugeVec("meshproof_proxy_connections_active", "Connections open now, by listener.", "listener"),
		closed:    r.CounterVec("meshproof_proxy_connections_closed_total", "Connections closed, by listener and close reason.", "listener", "reason"),
		handshake: r.CounterVec("meshproof_proxy_handshake_failures_total", "TLS handshakes that failed or whose peer did not authenticate, by listener and reason.", "listener", "reason"),
		denials:   r.CounterVec("meshproof_proxy_authz_denials_total", "Authenticated peers or requests refused by policy, by listener and reason.", "listener", "reason"),
		upstream:  r.CounterVec("meshproof_proxy_upstream_failures_total", "Backends or upstreams that could not be reached, by listener and reason.", "listener", "reason"),
		bytes:     r.CounterVec("meshproof_proxy_bytes_total", "Bytes forwarded, by listener and direction (in: from the client, out: to it).", "listener", "direction"),
		requests:  r.CounterVec("meshproof_proxy_http_requests_total", "HTTP requests, by listener and decision.", "listener", "decision"),
		reloads:   r.CounterVec("meshproof_proxy_reloads_total", "Reloads, by kind (config, certs) and result (ok, rejected).", "kind", "result"),
	}
	r.GaugeFunc("meshproof_proxy_certificate_not_after_seconds", "Expiry of the proxy's certificate (Unix time).", func() float64 {
		return float64(s.mat.Load().leaf.NotAfter.Unix())
	})
	r.GaugeFunc("meshproof_proxy_bundle_not_after_seconds", "Earliest expiry among the trust bundle's CA certificates (Unix time).", func() float64 {
		return float64(s.mat.Load().bundleNotAfter.Unix())
	})
	r.GaugeFunc("meshproof_proxy_config_serial", "Serial of the running config.", func() float64 {
		return float64(s.cfg.Load().Spec.Serial)
	})
	r.GaugeFunc("meshproof_proxy_config_not_after_seconds", "Expiry of the running config (Unix time).", func() float64 {
		return float64(s.cfg.Load().Spec.NotAfter.Unix())
	})
	r.GaugeFunc("meshproof_proxy_ready", "1 when /readyz reports ready.", func() float64 {
		if ok, _ := s.Ready(); ok {
			return 1
		}
		return 0
	})
	return m
}

func (m *serverMetrics) forListener(name string) *listenerMetrics {
	return &listenerMetrics{
		m: m, name: name,
		accepted: m.accepted.With(name),
		active:   m.active.With(name),
		bytesIn:  m.bytes.With(name, "in"),
		bytesOut: m.bytes.With(name, "out"),
	}
}

func (m *serverMetrics) removeListener(name string) { m.active.Delete(name) }

func (m *serverMetrics) reload(kind, result string) { m.reloads.With(kind, result).Inc() }

func (lm *listenerMetrics) closedBy(reason string) *metrics.Counter {
	return lm.m.closed.With(lm.name, reason)
}

func (lm *listenerMetrics) handshakeFailed(reason string) *metrics.Counter {
	return lm.m.handshake.With(lm.name, reason)
}

func (lm *listenerMetrics) denied(reason string) *metrics.Counter {
	return lm.m.denials.With(lm.name, reason)
}

func (lm *listenerMetrics) upstreamFailed(reason string) *metrics.Counter {
	return lm.m.upstream.With(lm.name, reason)
}

func (lm *listenerMetrics) request(decision string) *metrics.Counter {
	return lm.m.requests.With(lm.name, decision)
}

// adminHandler serves /metrics, /healthz and /readyz.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.met.reg.WriteText(w)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if ok, why := s.Ready(); !ok {
			http.Error(w, "not ready: "+why, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	return mux
}

// WriteMetrics writes the metrics in the Prometheus text format.
func (s *Server) WriteMetrics(w io.Writer) error {
	return s.met.reg.WriteText(w)
}
