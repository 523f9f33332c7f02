package signed

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// state is the rollback state file's content.
type state struct {
	// Name is the file name of the last accepted config (informational).
	Name string `json:"name"`
	// Serial and SHA256 identify the last accepted config.
	Serial uint64 `json:"serial"`
	SHA256 string `json:"sha256"`
	// Accepted is when it was accepted (informational).
	Accepted time.Time `json:"accepted"`
}

const maxStateSize = 4 << 10

// stateMu serializes the read-check-write of state files within a process
// (a reload and a SIGHUP may verify at once).
var stateMu sync.Mutex

// accept applies rollback protection with the state file at path and
// records a config with a higher serial. An equal serial is accepted only
// with the same digest and leaves the file as it is.
func accept(path, name string, serial uint64, digest string, now time.Time) error {
	stateMu.Lock()
	defer stateMu.Unlock()
	last, err := readState(path)
	if err != nil {
		return err
	}
	if last != nil {
		switch {
		case serial < last.Serial:
			return fmt.Errorf("serial %d is lower than the last accepted %d: %w", serial, last.Serial, ErrRollback)
		case serial == last.Serial && digest != last.SHA256:
			return fmt.Errorf("serial %d was accepted before with other content (sha256 %s): %w", serial, last.SHA256, ErrRollback)
		case serial == last.Serial:
			return nil
		}
	}
	return writeState(path, state{Name: name, Serial: serial, SHA256: digest, Accepted: now.UTC()})
}

// readState returns the state at path, or nil when there is no file yet. A
// file that exists but does not parse is an error, never a fresh start.
func readState(path string) (*state, error) {
	data, err := readLimited(path, maxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%v: %w", err, ErrState)
	}
	var s state
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(&s)
	if err == nil {
		if _, end := dec.Token(); end != io.EOF {
			err = errors.New("data after the state")
		}
	}
	if len(data) > maxStateSize || err != nil || s.Serial == 0 || len(s.SHA256) != 64 {
		return nil, fmt.Errorf("state file %s is corrupt (remove it only if you trust the current config): %w", path, ErrState)
	}
	return &s, nil
}

// writeState replaces the state file atomically: a temporary file in the
// same directory is written and synced, renamed over the old one, and the
// directory is synced, so a crash leaves either the old or the new state.
func writeState(path string, s state) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write state: %v: %w", err, ErrState)
	}
	data = append(data, '\n')
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write state: %v: %w", err, ErrState)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write state %s: %v: %w", tmp, err, ErrState)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write state %s: %v: %w", tmp, err, ErrState)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write state %s: %v: %w", tmp, err, ErrState)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write state: %v: %w", err, ErrState)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		// Make the rename durable; not every file system supports it.
		d.Sync()
		d.Close()
	}
	return nil
}
