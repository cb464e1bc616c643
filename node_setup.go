package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/openova-io/sovereign/internal/atomicfile"
	"github.com/openova-io/sovereign/raftnode"
)

// nodeIdentity is what a node is before its Raft member starts: its TLS
// identity and whether it bootstraps a new cluster or joins one.
type nodeIdentity struct {
	pki *raftnode.PKI
	// caKey is the cluster CA's key on the node that created it, until
	// the cluster records it.
	caKey []byte
	join  bool
}

const caKeyFile = "ca.key"

// prepareNode finds or makes the node's TLS identity. An existing node
// loads it; a new node either creates the cluster's CA (first node) or
// asks a member to admit it (--join). Nothing is written to the data
// directory until the identity is settled, so a refused join leaves it
// as it was.
func prepareNode(ctx context.Context, cfg Config, logger *slog.Logger) (nodeIdentity, error) {
	if err := checkRecorded(cfg.DataDir, "node-name", cfg.NodeName, "--node-name"); err != nil {
		return nodeIdentity{}, err
	}
	if err := checkRecorded(cfg.DataDir, "region", cfg.Region, "--region"); err != nil {
		return nodeIdentity{}, err
	}
	pki, ok, err := raftnode.LoadPKI(cfg.tlsDir())
	if err != nil {
		return nodeIdentity{}, fmt.Errorf("TLS identity: %w", err)
	}
	hasState := fileExists(filepath.Join(cfg.raftDir(), "raft.db"))
	switch {
	case ok:
		caKey, _ := os.ReadFile(filepath.Join(cfg.tlsDir(), caKeyFile))
		return nodeIdentity{pki: pki, caKey: caKey}, nil
	case hasState:
		return nodeIdentity{}, fmt.Errorf("--data-dir %s holds Raft state but no TLS identity in %s; restore tls/ from a backup, or move the data directory aside and join the node again", cfg.DataDir, cfg.tlsDir())
	case cfg.Join != "":
		return joinCluster(ctx, cfg, logger)
	default:
		return createCluster(cfg, logger)
	}
}

// certHosts are the names a node's certificate carries: its Raft and HTTPS
// addresses and the Sovereign's domain names.
func certHosts(cfg Config) []string {
	hosts := []string{cfg.Raft, cfg.Advertise}
	if cfg.HTTPS != "" {
		hosts = append(hosts, cfg.HTTPS)
	}
	if cfg.FQDN != "" {
		hosts = append(hosts, cfg.FQDN, "console."+cfg.FQDN)
	}
	return hosts
}

func createCluster(cfg Config, logger *slog.Logger) (nodeIdentity, error) {
	caCert, caKey, err := raftnode.NewCA(cfg.Region)
	if err != nil {
		return nodeIdentity{}, err
	}
	key, csr, err := raftnode.NewNodeKey(cfg.NodeName)
	if err != nil {
		return nodeIdentity{}, err
	}
	cert, err := raftnode.IssueNodeCert(caCert, caKey, csr, cfg.NodeName, raftnode.NamesFor(certHosts(cfg)...))
	if err != nil {
		return nodeIdentity{}, err
	}
	pki, err := raftnode.NewPKI(caCert, cert, key)
	if err != nil {
		return nodeIdentity{}, err
	}
	if err := raftnode.SavePKI(cfg.tlsDir(), caCert, cert, key); err != nil {
		return nodeIdentity{}, fmt.Errorf("save TLS identity: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(cfg.tlsDir(), caKeyFile), caKey, 0o600); err != nil {
		return nodeIdentity{}, fmt.Errorf("save cluster CA key: %w", err)
	}
	if err := recordIdentity(cfg); err != nil {
		return nodeIdentity{}, err
	}
	logger.Info("created the cluster CA", "region", cfg.Region)
	return nodeIdentity{pki: pki, caKey: caKey}, nil
}

func joinCluster(ctx context.Context, cfg Config, logger *slog.Logger) (nodeIdentity, error) {
	key, csr, err := raftnode.NewNodeKey(cfg.NodeName)
	if err != nil {
		return nodeIdentity{}, err
	}
	raftAddr := cfg.Advertise
	if raftAddr == "" {
		raftAddr = cfg.Raft
	}
	if host, _, _ := net.SplitHostPort(raftAddr); host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
		return nodeIdentity{}, fmt.Errorf("--raft %s: peers cannot dial an unspecified address; set --advertise HOST:PORT", raftAddr)
	}
	logger.Info("asking to join the cluster", "member", cfg.Join, "region", cfg.Region)
	resp, err := raftnode.RequestJoin(ctx, cfg.Join, cfg.JoinToken, raftnode.JoinRequest{
		Node: cfg.NodeName, Region: cfg.Region, RaftAddr: raftAddr, CSR: string(csr), Names: certHosts(cfg),
	})
	if err != nil {
		return nodeIdentity{}, fmt.Errorf("--join: %w", err)
	}
	pki, err := raftnode.NewPKI([]byte(resp.CA), []byte(resp.Certificate), key)
	if err != nil {
		return nodeIdentity{}, fmt.Errorf("--join: %w", err)
	}
	if err := raftnode.SavePKI(cfg.tlsDir(), []byte(resp.CA), []byte(resp.Certificate), key); err != nil {
		return nodeIdentity{}, fmt.Errorf("save TLS identity: %w", err)
	}
	if err := recordIdentity(cfg); err != nil {
		return nodeIdentity{}, err
	}
	logger.Info("admitted to the cluster as a non-voter; promotion follows once caught up", "region", resp.Region)
	return nodeIdentity{pki: pki, join: true}, nil
}

// checkRecorded refuses a start whose value differs from the one the data
// directory recorded at its first start: a node keeps its name and region.
func checkRecorded(dir, file, value, flag string) error {
	data, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("--data-dir %s: %w", dir, err)
	}
	if have := strings.TrimSpace(string(data)); have != value {
		return fmt.Errorf("%s %q: this data directory belongs to a node with %s %q, which never changes; start it with %s %s, or use another --data-dir", flag, value, flag, have, flag, have)
	}
	return nil
}

func recordIdentity(cfg Config) error {
	for file, value := range map[string]string{"node-name": cfg.NodeName, "region": cfg.Region} {
		path := filepath.Join(cfg.DataDir, file)
		if fileExists(path) {
			continue
		}
		if err := atomicfile.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
			return fmt.Errorf("--data-dir %s: %w", cfg.DataDir, err)
		}
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
