package app

import (
	"bytes"
	"log/slog"
	"os"
	"sync"
	"time"
)

// HandoverKeySource gives the handover keys in force: a fixed set
// (*HandoverKeys) or a file read again when it changes (HandoverKeyFile).
type HandoverKeySource interface {
	HandoverKeys() *HandoverKeys
}

// HandoverKeys makes a fixed set a HandoverKeySource.
func (ks *HandoverKeys) HandoverKeys() *HandoverKeys { return ks }

// HandoverKeyFile is the handover keys of a file (--handover-public-key),
// read again when its content changes, so that OpenOva's key can be
// rotated (the new key added beside the old, then the old removed) without
// restarting any node. The file is looked at, when a handover comes, at
// most once every handoverKeyCheckEvery. A file that can no longer be read
// or parsed leaves the last good keys in force and says so in the log, once
// per change.
type HandoverKeyFile struct {
	path   string
	logger *slog.Logger

	every time.Duration // handoverKeyCheckEvery; tests look at once

	mu      sync.Mutex
	keys    *HandoverKeys
	data    []byte    // the bytes keys came from, or the last refused ones
	checked time.Time // when the file was last looked at
}

const handoverKeyCheckEvery = time.Second

// OpenHandoverKeyFile reads the keys at path; a file that cannot be read
// or parsed is an error here, where the node has not started yet.
func OpenHandoverKeyFile(path string, logger *slog.Logger) (*HandoverKeyFile, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ks, data, err := readHandoverKeyFile(path)
	if err != nil {
		return nil, err
	}
	return &HandoverKeyFile{path: path, logger: logger, every: handoverKeyCheckEvery, keys: ks, data: data, checked: time.Now()}, nil
}

// HandoverKeys returns the keys in force, reading the file again first
// when it is time to look.
func (f *HandoverKeyFile) HandoverKeys() *HandoverKeys {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.checked) < f.every {
		return f.keys
	}
	f.checked = time.Now()
	data, err := os.ReadFile(f.path)
	if err != nil {
		if f.data != nil {
			f.logger.Error("handover public key: cannot read the file; the keys read before stay in force", "file", f.path, "err", err)
			f.data = nil
		}
		return f.keys
	}
	if bytes.Equal(data, f.data) {
		return f.keys
	}
	f.data = data
	ks, err := parseHandoverKeys(data)
	if err != nil {
		f.logger.Error("handover public key: the changed file is refused; the keys read before stay in force", "file", f.path, "err", err)
		return f.keys
	}
	f.keys = ks
	f.logger.Info("handover public key: read the changed file", "file", f.path, "keys", len(ks.keys))
	return f.keys
}
