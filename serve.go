package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
)

// shutdownBudget bounds an orderly stop: drain, stop Raft, close the file.
const shutdownBudget = 10 * time.Second

func newServeCmd() *cobra.Command {
	var cfg Config
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a node: the console, the API and this node's member of its region's cluster",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.load(cmd); err != nil {
				return err
			}
			if err := cfg.validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return serve(ctx, cfg, cmd.OutOrStdout())
		},
	}
	cfg.bindFlags(cmd.Flags())
	return cmd
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// serve runs a node until ctx ends, then stops it in order: stop taking
// requests and drain them, stop Raft, close the state file.
func serve(ctx context.Context, cfg Config, out io.Writer) error {
	logger := newLogger(cfg.LogLevel)
	started := time.Now()

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

	id, err := prepareNode(ctx, cfg, logger)
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
	node, err := raftnode.Open(raftnode.Config{
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
	defer node.Close()

	listeners, err := listen(cfg, id.pki)
	if err != nil {
		return err
	}
	console, err := consoleOptions(cfg)
	if err != nil {
		return err
	}
	srv := app.New(app.Options{Node: node, Store: store, Logger: logger, Registry: reg, Version: version, Console: console})
	serveErr := make(chan error, len(listeners))
	for _, ln := range listeners {
		go func() { serveErr <- srv.Serve(ln) }()
	}
	logger.Info("serving", "http", cfg.HTTP, "https", cfg.HTTPS, "raft", node.Addr(), "node", cfg.NodeName,
		"region", cfg.Region, "data_dir", cfg.DataDir, "version", version)

	if err := welcome(ctx, cfg, id, node, store, consoleURL(cfg, listeners), out, logger); err != nil {
		if errors.Is(err, raftnode.ErrRegionMismatch) {
			shutdown(srv, node, store, logger)
			return err
		}
		logger.Error("first start", "error", err)
	}
	srv.MarkStarted()
	logger.Info("ready", "after", time.Since(started).String())

	select {
	case <-ctx.Done():
		logger.Info("stopping")
	case err := <-serveErr:
		if err != nil {
			logger.Error("http server stopped", "error", err)
		}
	}
	return shutdown(srv, node, store, logger)
}

// welcome waits for the node to be ready, creates the bootstrap
// administrator on a new cluster, and tells the operator how to sign in.
func welcome(ctx context.Context, cfg Config, id nodeIdentity, node *raftnode.Node, store *storage.Store, url string, out io.Writer, logger *slog.Logger) error {
	for {
		if ok, _ := node.Ready(); ok {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(5 * time.Millisecond):
		}
	}
	if _, err := node.EnsureCluster(ctx, cfg.Region, id.pki.CAPEM, id.caKey); err != nil {
		return err
	}
	if id.join {
		fmt.Fprintf(out, "\nSovereign node %s joined the cluster of region %s; console at %s\n\n", cfg.NodeName, cfg.Region, url)
		return nil
	}
	pwFile := filepath.Join(cfg.DataDir, identity.PasswordFile)
	dir := identity.NewDirectory(node, store)
	password, err := identity.EnsureBootstrapAdmin(ctx, dir, cfg.AdminEmail, cfg.DataDir)
	if err != nil {
		return err
	}
	if password != "" {
		logger.Info("created the bootstrap administrator", "email", cfg.AdminEmail, "password_file", pwFile)
		fmt.Fprintf(out, "\nSovereign is ready at %s\n\n  Sign in as %s with this password (shown once; also stored in %s):\n\n      %s\n\n",
			url, cfg.AdminEmail, pwFile, password)
		return nil
	}
	fmt.Fprintf(out, "\nSovereign is ready at %s\n  Sign in as %s; the first password is in %s\n\n", url, cfg.AdminEmail, pwFile)
	return nil
}

func shutdown(srv *app.Server, node *raftnode.Node, store *storage.Store, logger *slog.Logger) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBudget)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		var errs []error
		t := time.Now()
		drain, cancelDrain := context.WithTimeout(ctx, shutdownBudget/2)
		errs = append(errs, srv.Shutdown(drain))
		cancelDrain()
		logger.Info("stopped serving requests", "took", time.Since(t).String())
		t = time.Now()
		errs = append(errs, node.Close())
		logger.Info("stopped raft", "took", time.Since(t).String())
		errs = append(errs, store.Close())
		done <- errors.Join(errs...)
	}()
	select {
	case err := <-done:
		if err != nil {
			logger.Error("stopped with errors", "error", err)
			return err
		}
		logger.Info("stopped")
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shutdown took longer than %s; the Raft log holds every acknowledged write, so the next start recovers", shutdownBudget)
	}
}

// lockDataDir takes an exclusive lock on the data directory itself, so a
// second process on the same directory stops before it touches any file.
func lockDataDir(dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("--data-dir %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("--data-dir %s is in use by another sovereign process; stop that process or choose another --data-dir", dir)
		}
		return nil, fmt.Errorf("--data-dir %s: lock: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// listen opens the plain HTTP and the HTTPS listeners that are configured.
func listen(cfg Config, pki *raftnode.PKI) ([]net.Listener, error) {
	var out []net.Listener
	if cfg.HTTP != "" {
		ln, err := net.Listen("tcp", cfg.HTTP)
		if err != nil {
			return nil, fmt.Errorf("--http %s: %w; choose a free address", cfg.HTTP, err)
		}
		out = append(out, ln)
	}
	if cfg.HTTPS != "" {
		ln, err := net.Listen("tcp", cfg.HTTPS)
		if err != nil {
			for _, l := range out {
				l.Close()
			}
			return nil, fmt.Errorf("--https %s: %w; choose a free address", cfg.HTTPS, err)
		}
		out = append(out, tls.NewListener(ln, pki.HTTPSConfig()))
	}
	return out, nil
}

// consoleURL is the address an operator opens: HTTPS when there is one.
func consoleURL(cfg Config, listeners []net.Listener) string {
	last := listeners[len(listeners)-1]
	host, port, _ := net.SplitHostPort(last.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	scheme := "http"
	if cfg.HTTPS != "" {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
