package proxy

import (
	"crypto/tls"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
)

// BenchmarkRequestResponse: 1 KiB request and response over one
// keep-alive mTLS connection through an inbound listener to an echo
// backend (client, proxy and backend in this process: compare runs, not
// with bench/proxy.sh's per-process figures).
func BenchmarkRequestResponse(b *testing.B) {
	p := newPKI(b)
	be := newBackend(b)
	px := startBenchProxy(b, p, be)
	cert := p.ca.SVID(b, clientID).TLS
	c, err := tls.Dial("tcp", px.Addr("in").String(), clientTLS(&cert))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req, resp := make([]byte, 1024), make([]byte, 1024)
	b.SetBytes(2048)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, resp); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// CPU of the whole process (client, proxy and backend) per request.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkHandshake: a new mTLS connection (full handshake, X25519) and
// one byte each way.
func BenchmarkHandshake(b *testing.B) {
	p := newPKI(b)
	be := newBackend(b)
	px := startBenchProxy(b, p, be)
	cert := p.ca.SVID(b, clientID).TLS
	cfg := clientTLS(&cert)
	cfg.SessionTicketsDisabled = true
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, err := roundTrip(px.Addr("in").String(), cfg, "x")
		if err != nil || got != "x" {
			b.Fatal(got, err)
		}
	}
}

func startBenchProxy(b *testing.B, p *pki, be *backend) *Server {
	cfg := baseConfig(p.files(b, "server", serverID), serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	s, err := New(cfg, Options{AccessLog: io.Discard, WatchInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Shutdown(b.Context()) })
	return s
}
