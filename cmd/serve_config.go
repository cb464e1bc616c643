package cmd

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/node"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// A node's configuration comes from flags, the environment
// (SOVEREIGN_<FLAG>, and the CATALYST_* names the OpenOva tooling sets) and
// a YAML file whose keys are the flag names. A flag beats the environment,
// which beats the file, which beats the default.

// envNames overrides the SOVEREIGN_<FLAG> name where it would collide
// with another variable (SOVEREIGN_TOKEN is the CLI's session token).
var envNames = map[string]string{
	"token": "SOVEREIGN_JOIN_TOKEN",
}

// compatEnv are the environment names the OpenOva provisioning sets.
var compatEnv = map[string]string{
	"fqdn":                "CATALYST_OTECH_FQDN",
	"deployment-id":       "CATALYST_SELF_DEPLOYMENT_ID",
	"region":              "CATALYST_REGION",
	"provider":            "CATALYST_PROVIDER",
	"handover-public-key": "CATALYST_HANDOVER_JWT_PUBLIC_KEY_PATH",
}

func bindServeFlags(fs *pflag.FlagSet, c *node.Config) {
	fs.StringVar(&c.DataDir, "data-dir", "", "directory of the node's state (default ./data with --dev, /var/lib/sovereign otherwise)")
	fs.StringVar(&c.HTTP, "http", "", "plain HTTP listen address for the console and API (default 127.0.0.1:8080 with --dev)")
	fs.StringVar(&c.HTTPS, "https", "", "HTTPS listen address for the console, the API and joins (default :8443 without --dev)")
	fs.StringVar(&c.Raft, "raft", "127.0.0.1:8300", "Raft listen address (mutual TLS between the cluster's nodes)")
	fs.StringVar(&c.Etcd, "etcd", "127.0.0.1:2379", "etcd v3 API listen address for k3s (--datastore-endpoint); client certificates from the cluster CA are required (plain on loopback with --dev); empty: off")
	fs.StringVar(&c.Registry, "registry", "", "read-only OCI registry listen address (HTTPS, the cluster CA's certificate) serving the installed bundle's images and charts to k3s; empty: off")
	fs.StringVar(&c.RegistryTokenFile, "registry-token-file", "", "file holding a token the registry requires of every pull (bearer, or basic-auth password); without it the registry is open to whoever reaches --registry")
	fs.DurationVar(&c.EtcdCompactInterval, "etcd-compact-interval", 5*time.Minute, "how often the leader compacts the etcd key space (0: never)")
	fs.Int64Var(&c.EtcdCompactKeep, "etcd-compact-keep", 1000, "revisions of the etcd key space a compaction keeps")
	fs.StringVar(&c.Advertise, "advertise", "", "Raft address peers dial, when it differs from --raft")
	fs.StringVar(&c.Region, "region", "local", "region code of this node's cluster, a DNS label such as hz-fsn")
	fs.StringVar(&c.FQDN, "fqdn", "", "the Sovereign's fully qualified domain name")
	fs.StringVar(&c.DeploymentID, "deployment-id", "", "the Sovereign's deployment id, as stamped by OpenOva")
	fs.StringVar(&c.Provider, "provider", "", "infrastructure provider of this region (hetzner, aws, ...)")
	fs.StringVar(&c.NodeName, "node-name", "", "this node's name in its cluster (default: the host name)")
	fs.StringVar(&c.AdminEmail, "admin-email", "admin@sovereign.local", "email of the administrator created at first start")
	fs.StringVar(&c.CatalogDir, "catalog-dir", "", "folder of <name>/blueprint.yaml replacing the embedded catalog")
	fs.StringVar(&c.HandoverPublicKey, "handover-public-key", "", "file with the OpenOva console's public keys for /auth/handover tokens (PEM, one JWK, or a JWK set whose keys are picked by kid)")
	fs.StringSliceVar(&c.HandoverIssuers, "handover-issuers", []string{app.DefaultHandoverIssuer}, "accepted issuers of handover tokens, comma-separated")
	fs.StringVar(&c.Join, "join", "", "https:// address of a member of the cluster to join at first start")
	fs.StringVar(&c.JoinToken, "token", "", "join token from `sovereign token create` (env SOVEREIGN_JOIN_TOKEN)")
	fs.DurationVar(&c.RemoveDeadAfter, "remove-dead-after", 0, "remove a voter out of contact this long (0: never); never below the quorum")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.ConfigFile, "config", "", "YAML file whose keys are these flags' names")
	fs.BoolVar(&c.Dev, "dev", false, "developer mode: local defaults for data directory and HTTP address")
}

// loadConfig fills the flags the command line left unset from the
// environment and the config file, then applies the defaults that depend
// on --dev.
func loadConfig(cmd *cobra.Command, c *node.Config) error {
	fs := cmd.Flags()
	if !fs.Changed("config") {
		if v, ok := os.LookupEnv("SOVEREIGN_CONFIG"); ok {
			c.ConfigFile = v
		}
	}
	file := map[string]any{}
	if c.ConfigFile != "" {
		data, err := os.ReadFile(c.ConfigFile)
		if err != nil {
			return fmt.Errorf("--config: %w", err)
		}
		if err := yaml.Unmarshal(data, &file); err != nil {
			return fmt.Errorf("--config %s: not valid YAML: %v", c.ConfigFile, err)
		}
		for k := range file {
			if f := fs.Lookup(k); f == nil || k == "config" {
				return fmt.Errorf("--config %s: unknown key %q; keys are the flag names of `sovereign serve --help`", c.ConfigFile, k)
			}
		}
	}
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "config" {
			return
		}
		source, value, found := "", "", false
		env := "SOVEREIGN_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if name, ok := envNames[f.Name]; ok {
			env = name
		}
		if v, ok := os.LookupEnv(env); ok {
			source, value, found = env, v, true
		} else if name, ok := compatEnv[f.Name]; ok {
			if v, ok := os.LookupEnv(name); ok {
				source, value, found = name, v, true
			}
		}
		if !found {
			if v, ok := file[f.Name]; ok {
				source, value, found = c.ConfigFile+": "+f.Name, fmt.Sprint(v), true
			}
		}
		if found {
			if serr := f.Value.Set(value); serr != nil {
				err = fmt.Errorf("%s: %v", source, serr)
			}
		}
	})
	if err != nil {
		return err
	}
	if c.DataDir == "" {
		c.DataDir = "/var/lib/sovereign"
		if c.Dev {
			c.DataDir = "./data"
		}
	}
	if c.HTTP == "" && c.Dev {
		c.HTTP = "127.0.0.1:8080"
	}
	if c.HTTPS == "" && !c.Dev && !cmd.Flags().Changed("https") {
		c.HTTPS = ":8443"
	}
	if c.NodeName == "" {
		c.NodeName = node.DefaultNodeName()
	}
	return nil
}
