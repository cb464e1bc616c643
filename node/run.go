package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Run runs a node until ctx ends, then stops it in order. cfg must have
// passed Validate; version is the binary's; the welcome goes to out, the
// log (JSON lines) to stderr.
func Run(ctx context.Context, cfg Config, version string, out io.Writer) error {
	logger := newLogger(cfg.LogLevel)
	started := time.Now()
	// Nothing a node writes is for anyone but its owner, including files a
	// library creates with its own wider mode (raft-wal's 0644).
	syscall.Umask(0o077)

	unlock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	// Every file is checked before any is opened for writing, so a damaged
	// one stops the start with the others untouched.
	if err := raftnode.CheckFiles(cfg.raftDir()); err != nil {
		return err
	}

	id, err := settleIdentity(ctx, cfg, logger)
	if err != nil {
		return err
	}

	store, err := storage.Open(cfg.statePath(), storage.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer store.Close()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	member, err := raftnode.Open(raftnode.Config{
		NodeID:          cfg.NodeName,
		Dir:             cfg.raftDir(),
		Bind:            cfg.Raft,
		Advertise:       cfg.Advertise,
		PKI:             id.pki,
		Join:            id.join,
		RemoveDeadAfter: cfg.RemoveDeadAfter,
		Logger:          logger,
		Registerer:      reg,
	}, store)
	if err != nil {
		return err
	}
	defer member.Close()

	console, err := consoleOptions(cfg, logger)
	if err != nil {
		return err
	}
	srv := app.New(app.Options{Node: member, Store: store, Logger: logger, Registry: reg, Version: version, Console: console})
	services, err := openServices(cfg, id.pki, srv)
	if err != nil {
		return err
	}
	if cfg.Etcd != "" {
		es, err := openEtcd(ctx, cfg, id.pki, member, store, reg, logger)
		if err != nil {
			closeListeners(services)
			return err
		}
		services = append(services, es)
	}
	if cfg.Registry != "" {
		rs, err := openRegistry(cfg, id.pki, logger)
		if err != nil {
			closeListeners(services)
			return err
		}
		services = append(services, rs)
	}
	type stopped struct {
		service string
		err     error
	}
	count := 0
	for _, s := range services {
		count += len(s.listeners)
	}
	serveErr := make(chan stopped, count)
	for _, s := range services {
		for _, ln := range s.listeners {
			go func() { serveErr <- stopped{s.name, s.serve(ln)} }()
		}
	}
	logger.Info("serving", "http", cfg.HTTP, "https", cfg.HTTPS, "etcd", cfg.Etcd, "registry", cfg.Registry, "raft", member.Addr(), "node", cfg.NodeName,
		"region", cfg.Region, "data_dir", cfg.DataDir, "version", version)

	if err := welcome(ctx, cfg, id, member, store, consoleURL(cfg, services[0]), out, logger); err != nil {
		if errors.Is(err, raftnode.ErrRegionMismatch) {
			shutdown(services, member, store, logger)
			return err
		}
		logger.Error("first start", "error", err)
	}
	srv.MarkStarted()
	logger.Info("ready", "after", time.Since(started).String())

	select {
	case <-ctx.Done():
		logger.Info("stopping")
	case s := <-serveErr:
		if s.err != nil {
			logger.Error(s.service+" server stopped", "error", s.err)
		}
	}
	return shutdown(services, member, store, logger)
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
