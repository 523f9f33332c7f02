// Command proxyload drives bench/proxy.sh: it makes the test PKI and a
// signed meshproof-proxy config, runs the backend every proxy forwards to,
// and is the mTLS load client (none of Debian's load generators presents a
// client certificate). Each load mode prints one line of key=value figures.
//
//	proxyload pki -dir D
//	proxyload config -dir D -listen ADDR -forward ADDR -admin ADDR
//	proxyload backend -listen ADDR
//	proxyload bulk -addr ADDR -dir D -size 1073741824
//	proxyload rr -addr ADDR -dir D -conns 16 -size 1024 -duration 10s -pids 1,2 [-plain]
//	proxyload conn -addr ADDR -dir D -conns 8 -duration 10s -pids 1,2
//	proxyload rss -pids 1,2
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshproof/meshproof/meshgen/signing"
	"github.com/meshproof/meshproof/proxy/config"
	"github.com/meshproof/meshproof/proxy/signed"
)

const (
	serverID = "spiffe://bench.example/backend"
	clientID = "spiffe://bench.example/client"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: proxyload pki|config|backend|bulk|rr|conn|rss [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", ".", "PKI directory")
	addr := fs.String("addr", "", "proxy address")
	listen := fs.String("listen", "", "listen address")
	forward := fs.String("forward", "", "backend address (config)")
	admin := fs.String("admin", "", "admin address (config)")
	size := fs.Int64("size", 1<<30, "bytes each way (bulk) or per request (rr)")
	conns := fs.Int("conns", 16, "concurrent connections")
	dur := fs.Duration("duration", 10*time.Second, "how long to run")
	pids := fs.String("pids", "", "comma-separated PIDs whose CPU and RSS are sampled")
	plain := fs.Bool("plain", false, "rr: plain TCP, no TLS (for the relay that measures the kernel's floor)")
	fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "pki":
		err = makePKI(*dir)
	case "config":
		err = makeConfig(*dir, *listen, *forward, *admin)
	case "backend":
		err = backend(*listen)
	case "bulk":
		err = bulk(*addr, *dir, *size)
	case "rr":
		err = rr(*addr, *dir, *conns, int(*size), *dur, parsePIDs(*pids), *plain)
	case "conn":
		err = connRate(*addr, *dir, *conns, *dur, parsePIDs(*pids))
	case "rss":
		fmt.Printf("rss_kib=%d\n", rss(parsePIDs(*pids)))
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "proxyload:", err)
		os.Exit(1)
	}
}

// --- PKI and config ---

func makePKI(dir string) error {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	write := func(name string, blocks ...*pem.Block) error {
		var b []byte
		for _, bl := range blocks {
			b = append(b, pem.EncodeToMemory(bl)...)
		}
		return os.WriteFile(filepath.Join(dir, name), b, 0o600)
	}
	if err := write("ca.pem", &pem.Block{Type: "CERTIFICATE", Bytes: caDER}); err != nil {
		return err
	}
	for i, l := range []struct{ name, id string }{{"server", serverID}, {"client", clientID}} {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		u, _ := url.Parse(l.id)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 2)), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(30 * 24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
			URIs: []*url.URL{u}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return err
		}
		kder, _ := x509.MarshalPKCS8PrivateKey(key)
		cert, k := &pem.Block{Type: "CERTIFICATE", Bytes: der}, &pem.Block{Type: "PRIVATE KEY", Bytes: kder}
		if err := write(l.name+".pem", cert); err != nil {
			return err
		}
		if err := write(l.name+"-key.pem", k); err != nil {
			return err
		}
		if err := write(l.name+"-combined.pem", cert, k); err != nil { // HAProxy's crt
			return err
		}
	}
	priv, pub, err := signing.GenerateKey(nil)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "signing.key"), priv, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "signing.pub"), pub, 0o644)
}

func makeConfig(dir, listen, forward, admin string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	c := &config.Config{APIVersion: config.APIVersion, Kind: config.Kind, Metadata: config.Metadata{Name: "bench"},
		Spec: config.Spec{Serial: uint64(time.Now().Unix()), NotBefore: time.Now().Add(-time.Hour).UTC().Truncate(time.Second), NotAfter: time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second),
			Identity: serverID,
			TLS:      config.TLSFiles{CertFile: filepath.Join(abs, "server.pem"), KeyFile: filepath.Join(abs, "server-key.pem"), BundleFile: filepath.Join(abs, "ca.pem")},
			Listeners: []config.Listener{{Name: "bench", Mode: config.Inbound, Listen: listen, Forward: forward,
				Allow: []config.Principal{{ID: clientID}}}},
			Limits:    config.Limits{MaxConnections: 10000},
			Admin:     config.Admin{Listen: admin},
			AccessLog: config.AccessLog{Path: filepath.Join(abs, "access.log")}}}
	b, err := config.Marshal(c)
	if err != nil {
		return err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, "signing.key"))
	if err != nil {
		return err
	}
	key, err := signing.LoadPrivateKey(keyPEM, nil)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, "proxy.yaml")
	bundle, err := signing.SignConfig(b, filepath.Base(path), key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	return os.WriteFile(path+signed.BundleSuffix, bundle, 0o644)
}

// --- backend ---

// The backend's protocol: the first byte picks the mode. 'B' + uint64 n:
// read n bytes, then write n bytes, then close. 'E': echo until EOF.
func backend(listen string) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			var mode [1]byte
			if _, err := io.ReadFull(c, mode[:]); err != nil {
				return
			}
			switch mode[0] {
			case 'B':
				var n [8]byte
				if _, err := io.ReadFull(c, n[:]); err != nil {
					return
				}
				size := int64(binary.BigEndian.Uint64(n[:]))
				if _, err := io.CopyN(io.Discard, c, size); err != nil {
					return
				}
				io.CopyN(c, zeros{}, size)
			case 'E':
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}
		}()
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// --- load ---

func clientConfig(dir string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"))
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	// X25519 for every peer alike (OpenSSL 3.0 has no ML-KEM), no session
	// resumption (every new connection is a full handshake).
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: "127.0.0.1",
		MinVersion: tls.VersionTLS13, CurvePreferences: []tls.CurveID{tls.X25519}, SessionTicketsDisabled: true}, nil
}

func bulk(addr, dir string, size int64) error {
	cfg, err := clientConfig(dir)
	if err != nil {
		return err
	}
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	hdr := make([]byte, 9)
	hdr[0] = 'B'
	binary.BigEndian.PutUint64(hdr[1:], uint64(size))
	if _, err := c.Write(hdr); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		_, err := io.CopyN(c, zeros{}, size)
		errc <- err
	}()
	n, err := io.Copy(io.Discard, c)
	if err != nil {
		return err
	}
	if err := <-errc; err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("received %d bytes, want %d", n, size)
	}
	el := time.Since(start).Seconds()
	fmt.Printf("bulk_MiBps=%.1f seconds=%.2f bytes_each_way=%d\n", float64(2*size)/el/(1<<20), el, size)
	return nil
}

func rr(addr, dir string, conns, size int, dur time.Duration, pids []int, plain bool) error {
	cfg, err := clientConfig(dir)
	if err != nil {
		return err
	}
	dial := func() (net.Conn, error) {
		if plain {
			return net.Dial("tcp", addr)
		}
		return tls.Dial("tcp", addr, cfg)
	}
	var reqs atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, conns)
	var ready sync.WaitGroup
	ready.Add(conns)
	start := make(chan struct{})
	stop := make(chan struct{})
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := dial()
			if err != nil {
				errc <- err
				ready.Done()
				return
			}
			defer c.Close()
			req, resp := make([]byte, size), make([]byte, size)
			c.Write([]byte{'E'})
			// Warm the connection before the clock starts.
			c.Write(req)
			io.ReadFull(c, resp)
			ready.Done()
			<-start
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.Write(req); err != nil {
					errc <- err
					return
				}
				if _, err := io.ReadFull(c, resp); err != nil {
					errc <- err
					return
				}
				reqs.Add(1)
			}
		}()
	}
	ready.Wait()
	u0, s0 := cpuSplit(pids)
	t0 := time.Now()
	close(start)
	maxRSS := sampleRSS(pids, dur)
	close(stop)
	el := time.Since(t0)
	u1, s1 := cpuSplit(pids)
	cpu := (u1 - u0) + (s1 - s0)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	n := reqs.Load()
	cpuSec := float64(cpu) / clkTck
	perReq := func(ticks int64) float64 { return float64(ticks) / clkTck * 1e6 / float64(n) }
	fmt.Printf("rr_rps=%.0f requests=%d proxy_cpu_s=%.2f cpu_us_per_req=%.2f user_us_per_req=%.2f sys_us_per_req=%.2f loaded_rss_kib=%d\n",
		float64(n)/el.Seconds(), n, cpuSec, cpuSec*1e6/float64(n), perReq(u1-u0), perReq(s1-s0), maxRSS)
	return nil
}

func connRate(addr, dir string, conns int, dur time.Duration, pids []int) error {
	cfg, err := clientConfig(dir)
	if err != nil {
		return err
	}
	var n, fails atomic.Int64
	var firstErr atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	cpu0 := cpuTicks(pids)
	t0 := time.Now()
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := make([]byte, 2)
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := tls.Dial("tcp", addr, cfg)
				if err == nil {
					c.SetDeadline(time.Now().Add(10 * time.Second))
					if _, err = c.Write([]byte("Ex")); err == nil {
						_, err = io.ReadFull(c, b[:1])
					}
					c.Close()
				}
				if err != nil {
					fails.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				n.Add(1)
			}
		}()
	}
	maxRSS := sampleRSS(pids, dur)
	close(stop)
	wg.Wait()
	el := time.Since(t0)
	cpu := float64(cpuTicks(pids)-cpu0) / clkTck
	if fails.Load() > 0 {
		fmt.Fprintf(os.Stderr, "proxyload conn: %d failed, first: %v\n", fails.Load(), firstErr.Load())
	}
	fmt.Printf("conn_per_s=%.0f conns=%d failed=%d proxy_cpu_s=%.2f loaded_rss_kib=%d\n", float64(n.Load())/el.Seconds(), n.Load(), fails.Load(), cpu, maxRSS)
	return nil
}

// --- /proc sampling ---

const clkTck = 100 // USER_HZ on Linux

func parsePIDs(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// cpuTicks sums utime+stime of the processes (all their threads).
func cpuTicks(pids []int) int64 {
	u, s := cpuSplit(pids)
	return u + s
}

// cpuSplit sums utime and stime of the processes, apart.
func cpuSplit(pids []int) (user, sys int64) {
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		f := strings.Fields(s[i+2:])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		user += ut
		sys += st
	}
	return user, sys
}

// rss sums VmRSS of the processes, in KiB.
func rss(pids []int) int64 {
	var total int64
	for _, p := range pids {
		f, err := os.Open(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				total += n
			}
		}
		f.Close()
	}
	return total
}

// sampleRSS waits dur, sampling the processes' RSS, and returns the peak.
func sampleRSS(pids []int, dur time.Duration) int64 {
	var peak int64
	end := time.Now().Add(dur)
	for time.Now().Before(end) {
		if r := rss(pids); r > peak {
			peak = r
		}
		time.Sleep(100 * time.Millisecond)
	}
	return peak
}
