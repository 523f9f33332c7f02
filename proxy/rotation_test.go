package proxy

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/internal/testpki"
)

// TestRotationUnderLoad: 16 concurrent streams with SHA-256 checks
// through an outbound and an inbound proxy, across 10 certificate
// rotations picked up by the file watcher (leaves of both proxies, and a
// CA rollover through an overlapping bundle that ends with the old CA
// retired) and a config reload: zero failed requests.
func TestRotationUnderLoad(t *testing.T) {
	const streams = 16
	ca1 := testpki.NewCA(t, "CA 1")
	ca2 := testpki.NewCA(t, "CA 2")
	dir := t.TempDir()
	inFiles := config.TLSFiles{CertFile: dir + "/in.pem", KeyFile: dir + "/in-key.pem", BundleFile: dir + "/in-bundle.pem"}
	outFiles := config.TLSFiles{CertFile: dir + "/out.pem", KeyFile: dir + "/out-key.pem", BundleFile: dir + "/out-bundle.pem"}
	writeLeaf := func(f config.TLSFiles, ca *testpki.CA, id string) *testpki.Issued {
		l := ca.SVID(t, id)
		// Two renames: the watcher may see the new certificate with the
		// old key, which must be refused as a whole and retried.
		testpki.WriteFile(t, f.CertFile, l.CertPEM)
		testpki.WriteFile(t, f.KeyFile, l.KeyPEM)
		return l
	}
	writeLeaf(inFiles, ca1, serverID)
	writeLeaf(outFiles, ca1, clientID)
	testpki.WriteFile(t, inFiles.BundleFile, ca1.PEM)
	testpki.WriteFile(t, outFiles.BundleFile, ca1.PEM)

	be := newBackend(t)
	inCfg := baseConfig(inFiles, serverID, inboundTCP(be.addr(), config.Principal{ID: clientID}))
	inCfg.Spec.Limits.DrainTimeout = config.Duration(30 * time.Second)
	src := &configSource{}
	src.c.Store(inCfg)
	in := startProxy(t, inCfg, Options{LoadConfig: src.load, WatchInterval: 20 * time.Millisecond})
	outCfg := baseConfig(outFiles, clientID, outboundTCP(in.addr("in"), config.Principal{ID: serverID}))
	outCfg.Spec.Limits.DrainTimeout = config.Duration(30 * time.Second)
	out := startProxy(t, outCfg, Options{WatchInterval: 20 * time.Millisecond})

	var exchanges, failures atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < streams; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := newRand(byte(w))
			for {
				select {
				case <-stop:
					return
				default:
				}
				// One connection carries 8 exchanges, then closes cleanly.
				if err := stream(out.addr("out"), rnd, 8, &exchanges); err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}(w)
	}

	waitLeaf := func(s *Server, l *testpki.Issued) {
		deadline := time.Now().Add(20 * time.Second)
		for !bytes.Equal(s.mat.Load().leaf.Raw, l.Cert.Raw) {
			if time.Now().After(deadline) {
				t.Fatal("the watcher did not load the rotated certificate")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitBundle := func(s *Server, n int) {
		deadline := time.Now().Add(20 * time.Second)
		for len(s.mat.Load().bundle.X509Authorities()) != n {
			if time.Now().After(deadline) {
				t.Fatal("the watcher did not load the new bundle")
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// underLoad waits until every stream could have made progress after a
	// step: at least 2*streams more exchanges completed.
	underLoad := func() {
		target := exchanges.Load() + 2*streams
		deadline := time.Now().Add(60 * time.Second)
		for exchanges.Load() < target {
			if time.Now().After(deadline) {
				t.Fatalf("no load: %d exchanges", exchanges.Load())
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	steps := []struct {
		name string
		do   func()
	}{
		{"inbound leaf", func() { waitLeaf(in.Server, writeLeaf(inFiles, ca1, serverID)) }},
		{"outbound leaf", func() { waitLeaf(out.Server, writeLeaf(outFiles, ca1, clientID)) }},
		{"inbound leaf again", func() { waitLeaf(in.Server, writeLeaf(inFiles, ca1, serverID)) }},
		{"outbound leaf again", func() { waitLeaf(out.Server, writeLeaf(outFiles, ca1, clientID)) }},
		{"overlapping bundles", func() {
			testpki.WriteFile(t, inFiles.BundleFile, testpki.Bundle(ca1, ca2))
			testpki.WriteFile(t, outFiles.BundleFile, testpki.Bundle(ca1, ca2))
			waitBundle(in.Server, 2)
			waitBundle(out.Server, 2)
		}},
		{"inbound leaf from the new CA", func() { waitLeaf(in.Server, writeLeaf(inFiles, ca2, serverID)) }},
		{"outbound leaf from the new CA", func() { waitLeaf(out.Server, writeLeaf(outFiles, ca2, clientID)) }},
		{"inbound leaf from the new CA again", func() { waitLeaf(in.Server, writeLeaf(inFiles, ca2, serverID)) }},
		{"outbound leaf from the new CA again", func() { waitLeaf(out.Server, writeLeaf(outFiles, ca2, clientID)) }},
		{"old CA retired", func() {
			testpki.WriteFile(t, inFiles.BundleFile, ca2.PEM)
			testpki.WriteFile(t, outFiles.BundleFile, ca2.PEM)
			waitBundle(in.Server, 1)
			waitBundle(out.Server, 1)
		}},
	}
	underLoad()
	for i, st := range steps {
		st.do()
		underLoad()
		if i == 4 { // and a config reload in the middle of the rollover
			next := *inCfg
			next.Spec.Serial = 2
			next.Spec.Listeners = []config.Listener{inboundTCP(be.addr(), config.Principal{ID: clientID}, config.Principal{ID: "spiffe://corp.example/ns/payments/sa/batch"})}
			src.c.Store(&next)
			if err := in.Reload(); err != nil {
				t.Fatal(err)
			}
			underLoad()
		}
	}
	close(stop)
	wg.Wait()
	if in.Config().Spec.Serial != 2 {
		t.Errorf("config serial %d after the reload, want 2", in.Config().Spec.Serial)
	}
	t.Logf("%d exchanges across %d rotations and a config reload, %d failed", exchanges.Load(), len(steps), failures.Load())
	if n := failures.Load(); n != 0 {
		t.Errorf("%d failed streams, first: %v", n, firstErr.Load())
		for _, px := range []*testProxy{in, out} {
			for _, r := range px.log.records() {
				if r["decision"] != "allow" || r["close"] != closeDone {
					t.Logf("%v", r)
				}
			}
		}
	}
}

// stream opens a connection through the outbound proxy and makes n
// request/response exchanges of random sizes, each checked by SHA-256.
func stream(addr string, rnd io.Reader, n int, done *atomic.Int64) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	buf := make([]byte, 48<<10)
	for i := 0; i < n; i++ {
		size := 1024 + i*6000
		msg := buf[:size]
		rnd.Read(msg)
		want := sha256.Sum256(msg)
		errc := make(chan error, 1)
		go func() { _, err := c.Write(msg); errc <- err }()
		got := make([]byte, size)
		if _, err := io.ReadFull(c, got); err != nil {
			return fmt.Errorf("exchange %d: %w", i, err)
		}
		if err := <-errc; err != nil {
			return fmt.Errorf("exchange %d: %w", i, err)
		}
		if sha256.Sum256(got) != want {
			return fmt.Errorf("exchange %d: SHA-256 mismatch", i)
		}
		done.Add(1)
	}
	c.(*net.TCPConn).CloseWrite()
	if rest, err := io.ReadAll(c); err != nil || len(rest) != 0 {
		return fmt.Errorf("close: %d extra bytes, %v", len(rest), err)
	}
	return nil
}
