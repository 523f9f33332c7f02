package proxy

import (
	"crypto/sha256"
	"os"
	"time"
)

// watchSum hashes the watched files' contents (a missing file hashes as
// missing), so that any change, including a symlink swap, is seen.
func (s *Server) watchSum() [32]byte {
	cfg := s.cfg.Load()
	h := sha256.New()
	files := append([]string{cfg.Spec.TLS.CertFile, cfg.Spec.TLS.KeyFile, cfg.Spec.TLS.BundleFile}, s.opts.WatchFiles...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			h.Write([]byte("\x00missing\x00"))
		}
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// watch polls the watched files and reloads when they change. A change
// that fails to load is logged by Reload and not retried until the files
// change again.
func (s *Server) watch() {
	defer close(s.watchDone)
	iv := s.opts.WatchInterval
	if iv == 0 {
		iv = time.Second
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		select {
		case <-s.watchStop:
			return
		case <-t.C:
		}
		sum := s.watchSum()
		if sum == s.watchSeen {
			continue
		}
		s.watchSeen = sum
		s.Reload()
	}
}
