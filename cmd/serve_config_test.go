package cmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/openova-io/sovereign/node"
	"github.com/spf13/cobra"
)

// TestServeConfigPrecedence: a flag beats SOVEREIGN_*, which beats the
// CATALYST_* name, which beats the --config file, which beats the default.
func TestServeConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sovereign.yaml")
	if err := os.WriteFile(file, []byte("region: from-file\nprovider: from-file\nfqdn: file.example.org\nnode-name: file-node\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOVEREIGN_CONFIG", file)
	t.Setenv("SOVEREIGN_REGION", "from-env")
	t.Setenv("CATALYST_REGION", "from-catalyst")
	t.Setenv("CATALYST_PROVIDER", "from-catalyst")
	t.Setenv("SOVEREIGN_JOIN_TOKEN", "K10join")
	t.Setenv("SOVEREIGN_TOKEN", "a-session-token")

	load := func(args ...string) node.Config {
		t.Helper()
		cfg, err := parseServe(args...)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	cfg := load("--dev", "--node-name", "flag-node")
	for _, c := range []struct{ name, got, want string }{
		{"node name from the flag", cfg.NodeName, "flag-node"},
		{"region from SOVEREIGN_REGION", cfg.Region, "from-env"},
		{"provider from CATALYST_PROVIDER", cfg.Provider, "from-catalyst"},
		{"fqdn from the file", cfg.FQDN, "file.example.org"},
		{"join token from SOVEREIGN_JOIN_TOKEN, not SOVEREIGN_TOKEN", cfg.JoinToken, "K10join"},
		{"data dir from --dev", cfg.DataDir, "./data"},
		{"http from --dev", cfg.HTTP, "127.0.0.1:8080"},
		{"no https with --dev", cfg.HTTPS, ""},
		{"raft default", cfg.Raft, "127.0.0.1:8300"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
	if cfg := load("--region", "flag-region"); cfg.Region != "flag-region" || cfg.HTTPS != ":8443" || cfg.DataDir != "/var/lib/sovereign" {
		t.Errorf("without --dev: region %q, https %q, data dir %q", cfg.Region, cfg.HTTPS, cfg.DataDir)
	}
}

func TestServeConfigRefusesUnknownFileKey(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sovereign.yaml")
	os.WriteFile(file, []byte("regoin: hz-fsn\n"), 0o600)
	_, err := parseServe("--config", file)
	if err == nil || err.Error() != "--config "+file+`: unknown key "regoin"; keys are the flag names of `+"`sovereign serve --help`" {
		t.Fatalf("err = %v", err)
	}
}

// parseServe reads `sovereign serve` args as the command does.
func parseServe(args ...string) (node.Config, error) {
	var cfg node.Config
	cmd := &cobra.Command{Use: "serve"}
	bindServeFlags(cmd.Flags(), &cfg)
	if err := cmd.ParseFlags(args); err != nil {
		return cfg, err
	}
	err := loadConfig(cmd, &cfg)
	return cfg, err
}
