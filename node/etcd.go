package node

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/openova-io/sovereign/app/etcd"
	"github.com/openova-io/sovereign/raftnode"
	"github.com/openova-io/sovereign/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
)

// etcdClientDir holds the client certificate a node issues for the k3s on
// its machine (`sovereign etcd client-cert` copies it out).
func (c *Config) etcdClientDir() string { return filepath.Join(c.DataDir, "etcd-client") }

// openEtcd opens the etcd v3 endpoint (--etcd) that k3s keeps Kubernetes
// in: kine's server over the replicated key space (app/etcd). With --dev
// it speaks plain gRPC, on loopback only (Validate checks); otherwise every
// client shows a certificate from the cluster CA.
func openEtcd(ctx context.Context, cfg Config, pki *raftnode.PKI, member *raftnode.Node, store *storage.Store, reg prometheus.Registerer, logger *slog.Logger) (service, error) {
	var tlsConf *tls.Config
	if !cfg.Dev {
		var err error
		if tlsConf, err = etcd.ServerTLS(pki.Cert, pki.CAPEM, member.CheckClientCert); err != nil {
			return service{}, err
		}
	}
	ln, err := net.Listen("tcp", cfg.Etcd)
	if err != nil {
		return service{}, fmt.Errorf("--etcd %s: %w; choose a free address, or --etcd '' to turn the etcd endpoint off", cfg.Etcd, err)
	}
	// kine logs through logrus: keep the node's one JSON line per event.
	logrus.SetFormatter(&logrus.JSONFormatter{})
	compactEvery := cfg.EtcdCompactInterval
	if compactEvery == 0 {
		compactEvery = -1 // never
	}
	srv := etcd.New(member, store, tlsConf, etcd.Options{
		Logger: logger.With("service", "etcd"), Registerer: reg,
		CompactInterval: compactEvery, CompactKeep: cfg.EtcdCompactKeep,
	})
	if !cfg.Dev {
		go issueEtcdClientCert(ctx, cfg, member, logger)
	}
	return service{
		name:      "etcd",
		listeners: []net.Listener{ln},
		serve:     srv.Serve,
		shutdown:  func(context.Context) error { srv.Close(); return nil },
	}, nil
}

// issueEtcdClientCert writes, once, a client certificate for the k3s on
// this machine into the data directory, as soon as this node's state holds
// the cluster CA (at once on a running cluster, after the first start's
// record on a new one).
func issueEtcdClientCert(ctx context.Context, cfg Config, member *raftnode.Node, logger *slog.Logger) {
	dir := cfg.etcdClientDir()
	if _, err := os.Stat(filepath.Join(dir, etcd.ClientKeyFile)); err == nil {
		return
	}
	for {
		ca, crt, key, err := member.ClientCert("k3s@" + cfg.NodeName)
		if err == nil {
			if err := etcd.WriteClientFiles(dir, ca, crt, key); err != nil {
				logger.Error("writing the etcd client certificate", "dir", dir, "error", err)
			} else {
				logger.Info("wrote an etcd client certificate for k3s", "dir", dir)
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// validateEtcd checks --etcd: an address, and with --dev (no TLS) a
// loopback one.
func (c *Config) validateEtcd() error {
	if c.Etcd == "" {
		return nil
	}
	if err := checkAddr("--etcd", c.Etcd); err != nil {
		return err
	}
	if c.EtcdCompactInterval < 0 {
		return fmt.Errorf("--etcd-compact-interval %s: give a positive duration (for example 5m), or 0 to never compact automatically", c.EtcdCompactInterval)
	}
	if c.EtcdCompactKeep < 1 {
		return fmt.Errorf("--etcd-compact-keep %d: keep at least 1 revision (Kubernetes' default is 1000)", c.EtcdCompactKeep)
	}
	if c.Dev {
		host, _, _ := net.SplitHostPort(c.Etcd)
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("--etcd %s: with --dev the etcd endpoint has no TLS, so it listens on loopback only; use --etcd 127.0.0.1:2379", c.Etcd)
		}
	}
	return nil
}
