package node

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/openova-io/sovereign/raftnode"
)

// nodeIdentity is what a node is before its Raft member starts: its TLS
// identity, and whether it joins an existing cluster.
type nodeIdentity struct {
	pki  *raftnode.PKI
	join bool
}

// settleIdentity finds or makes the node's TLS identity. An existing node
// loads it; a new node either creates its cluster (first node) or asks a
// member to admit it (--join). Nothing is written to the data directory
// until the identity is settled, so a refused join leaves it as it was.
func settleIdentity(ctx context.Context, cfg Config, logger *slog.Logger) (nodeIdentity, error) {
	if err := checkRecorded(cfg.DataDir, nodeNameFile, cfg.NodeName, "--node-name"); err != nil {
		return nodeIdentity{}, err
	}
	if err := checkRecorded(cfg.DataDir, regionFile, cfg.Region, "--region"); err != nil {
		return nodeIdentity{}, err
	}
	pki, ok, err := raftnode.LoadPKI(cfg.tlsDir())
	if err != nil {
		return nodeIdentity{}, fmt.Errorf("TLS identity: %w", err)
	}
	switch {
	case ok:
		return nodeIdentity{pki: pki}, nil
	case raftnode.HasLog(cfg.raftDir()):
		return nodeIdentity{}, fmt.Errorf("--data-dir %s holds Raft state but no TLS identity in %s; restore tls/ from a backup, or move the data directory aside and join the node again", cfg.DataDir, cfg.tlsDir())
	case cfg.Join != "":
		return joinCluster(ctx, cfg, logger)
	default:
		return createCluster(cfg, logger)
	}
}

// member is what the node's certificate says of it: its name and region,
// the Raft address peers dial, and its other addresses and domain names.
func member(cfg Config) raftnode.Member {
	hosts := []string{cfg.Raft}
	if cfg.HTTPS != "" {
		hosts = append(hosts, cfg.HTTPS)
	}
	if cfg.Registry != "" {
		hosts = append(hosts, cfg.Registry)
	}
	if cfg.FQDN != "" {
		hosts = append(hosts, cfg.FQDN, "console."+cfg.FQDN)
	}
	return raftnode.Member{Name: cfg.NodeName, Region: cfg.Region, RaftAddr: cfg.raftAddr(), Hosts: hosts}
}

func createCluster(cfg Config, logger *slog.Logger) (nodeIdentity, error) {
	pki, err := raftnode.Bootstrap(cfg.tlsDir(), member(cfg))
	if err != nil {
		return nodeIdentity{}, err
	}
	if err := recordIdentity(cfg); err != nil {
		return nodeIdentity{}, err
	}
	logger.Info("created the cluster CA", "region", cfg.Region)
	return nodeIdentity{pki: pki}, nil
}

func joinCluster(ctx context.Context, cfg Config, logger *slog.Logger) (nodeIdentity, error) {
	raftAddr := cfg.raftAddr()
	if host, _, _ := net.SplitHostPort(raftAddr); host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
		return nodeIdentity{}, fmt.Errorf("--raft %s: peers cannot dial an unspecified address; set --advertise HOST:PORT", raftAddr)
	}
	logger.Info("asking to join the cluster", "member", cfg.Join, "region", cfg.Region)
	pki, err := raftnode.Join(ctx, cfg.tlsDir(), cfg.Join, cfg.JoinToken, member(cfg))
	if err != nil {
		return nodeIdentity{}, fmt.Errorf("--join: %w", err)
	}
	if err := recordIdentity(cfg); err != nil {
		return nodeIdentity{}, err
	}
	logger.Info("admitted to the cluster as a non-voter; promotion follows once caught up", "region", cfg.Region)
	return nodeIdentity{pki: pki, join: true}, nil
}
