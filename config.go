package main

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"
)

// Config is everything `sovereign serve` is told, from flags, the
// environment (SOVEREIGN_<FLAG>, and the CATALYST_* names the OpenOva
// tooling sets) and a YAML file whose keys are the flag names. A flag beats
// the environment, which beats the file, which beats the default.
type Config struct {
	DataDir      string
	HTTP         string
	HTTPS        string
	Raft         string
	Advertise    string
	Region       string
	FQDN         string
	DeploymentID string
	Provider     string
	NodeName     string
	AdminEmail   string
	CatalogDir   string
	// HandoverPublicKey and HandoverIssuers check the OpenOva console's
	// handover tokens (app/handover.go).
	HandoverPublicKey string
	HandoverIssuers   []string
	Join              string
	JoinToken         string
	RemoveDeadAfter   time.Duration
	LogLevel          string
	ConfigFile        string
	Dev               bool
}

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

func (c *Config) bindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", "", "directory of the node's state (default ./data with --dev, /var/lib/sovereign otherwise)")
	fs.StringVar(&c.HTTP, "http", "", "plain HTTP listen address for the console and API (default 127.0.0.1:8080 with --dev)")
	fs.StringVar(&c.HTTPS, "https", "", "HTTPS listen address for the console, the API and joins (default :8443 without --dev)")
	fs.StringVar(&c.Raft, "raft", "127.0.0.1:8300", "Raft listen address (mutual TLS between the cluster's nodes)")
	fs.StringVar(&c.Advertise, "advertise", "", "Raft address peers dial, when it differs from --raft")
	fs.StringVar(&c.Region, "region", "local", "region code of this node's cluster, a DNS label such as hz-fsn")
	fs.StringVar(&c.FQDN, "fqdn", "", "the Sovereign's fully qualified domain name")
	fs.StringVar(&c.DeploymentID, "deployment-id", "", "the Sovereign's deployment id, as stamped by OpenOva")
	fs.StringVar(&c.Provider, "provider", "", "infrastructure provider of this region (hetzner, aws, ...)")
	fs.StringVar(&c.NodeName, "node-name", "", "this node's name in its cluster (default: the host name)")
	fs.StringVar(&c.AdminEmail, "admin-email", "admin@sovereign.local", "email of the administrator created at first start")
	fs.StringVar(&c.CatalogDir, "catalog-dir", "", "folder of <name>/blueprint.yaml replacing the embedded catalog")
	fs.StringVar(&c.HandoverPublicKey, "handover-public-key", "", "file with the OpenOva console's public key for /auth/handover tokens (PEM or one JWK)")
	fs.StringSliceVar(&c.HandoverIssuers, "handover-issuers", []string{defaultHandoverIssuer}, "accepted issuers of handover tokens, comma-separated")
	fs.StringVar(&c.Join, "join", "", "https:// address of a member of the cluster to join at first start")
	fs.StringVar(&c.JoinToken, "token", "", "join token from `sovereign token create` (env SOVEREIGN_JOIN_TOKEN)")
	fs.DurationVar(&c.RemoveDeadAfter, "remove-dead-after", 0, "remove a voter out of contact this long (0: never); never below the quorum")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.ConfigFile, "config", "", "YAML file whose keys are these flags' names")
	fs.BoolVar(&c.Dev, "dev", false, "developer mode: local defaults for data directory and HTTP address")
}

// load fills the flags the command line left unset from the environment
// and the config file, then applies the defaults that depend on --dev.
func (c *Config) load(cmd *cobra.Command) error {
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
		c.NodeName = defaultNodeName()
	}
	return nil
}

var (
	dnsLabel = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
	nodeName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	idChars  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// validate checks every value once, at start, and names the flag and the
// fix of the first one that is wrong.
func (c *Config) validate() error {
	if c.HTTP == "" && c.HTTPS == "" {
		return errors.New("--http, --https: no listen address; set --https ADDR (for example :8443) or --http ADDR, or use --dev")
	}
	if c.HTTP != "" {
		if err := checkAddr("--http", c.HTTP); err != nil {
			return err
		}
	}
	if c.HTTPS != "" {
		if err := checkAddr("--https", c.HTTPS); err != nil {
			return err
		}
	}
	if c.Join != "" {
		if !strings.HasPrefix(c.Join, "https://") {
			return fmt.Errorf("--join %q: give the https:// address of a member, for example https://10.0.0.1:8443", c.Join)
		}
		if c.JoinToken == "" {
			return errors.New("--join needs --token: create one with `sovereign token create` on a member")
		}
	}
	if err := checkAddr("--raft", c.Raft); err != nil {
		return err
	}
	if c.Advertise != "" {
		if err := checkAddr("--advertise", c.Advertise); err != nil {
			return err
		}
	}
	if len(c.Region) > 63 || !dnsLabel.MatchString(c.Region) {
		return fmt.Errorf("--region %q: not a DNS label; use lower-case letters, digits and '-', starting with a letter, at most 63 characters (for example hz-fsn)", c.Region)
	}
	if c.FQDN != "" {
		if err := checkFQDN(c.FQDN); err != nil {
			return fmt.Errorf("--fqdn %q: %v", c.FQDN, err)
		}
	}
	if c.DeploymentID != "" && (len(c.DeploymentID) > 128 || !idChars.MatchString(c.DeploymentID)) {
		return fmt.Errorf("--deployment-id %q: use letters, digits, '.', '_' and '-', at most 128 characters", c.DeploymentID)
	}
	if c.Provider != "" && (len(c.Provider) > 63 || !dnsLabel.MatchString(c.Provider)) {
		return fmt.Errorf("--provider %q: not a DNS label (for example hetzner)", c.Provider)
	}
	if len(c.NodeName) > 63 || !nodeName.MatchString(c.NodeName) {
		return fmt.Errorf("--node-name %q: use lower-case letters, digits and '-', at most 63 characters", c.NodeName)
	}
	if a, err := mail.ParseAddress(c.AdminEmail); err != nil || a.Address != c.AdminEmail {
		return fmt.Errorf("--admin-email %q: not an email address", c.AdminEmail)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	if c.CatalogDir != "" {
		if st, err := os.Stat(c.CatalogDir); err != nil || !st.IsDir() {
			return fmt.Errorf("--catalog-dir %q: not a readable folder; point it at a folder of <name>/blueprint.yaml", c.CatalogDir)
		}
	}
	if err := c.validateHandover(); err != nil {
		return err
	}
	return checkDataDir(c.DataDir)
}

func checkAddr(flag, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: not a host:port address (for example 127.0.0.1:8080)", flag, addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%s %q: port %q is not a number from 0 to 65535", flag, addr, port)
	}
	if host != "" && net.ParseIP(host) == nil && checkFQDN(host) != nil && host != "localhost" {
		return fmt.Errorf("%s %q: host %q is neither an IP address nor a host name", flag, addr, host)
	}
	return nil
}

func checkFQDN(name string) error {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 {
		return errors.New("a domain name has 1 to 253 characters")
	}
	for _, label := range strings.Split(name, ".") {
		if len(label) > 63 || !nodeName.MatchString(label) {
			return fmt.Errorf("label %q is not a DNS label (lower-case letters, digits and '-')", label)
		}
	}
	return nil
}

// checkDataDir creates the data directory if needed and proves it is
// writable by this process, without leaving anything behind.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--data-dir %q: cannot create it: %v; choose a directory this user can write, or fix its permissions", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return fmt.Errorf("--data-dir %q: not writable by this user (uid %d): %v; fix its owner or permissions, or choose another --data-dir", dir, os.Getuid(), unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func defaultNodeName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "node-1"
	}
	h = strings.ToLower(strings.SplitN(h, ".", 2)[0])
	h = regexp.MustCompile(`[^a-z0-9-]`).ReplaceAllString(h, "-")
	h = strings.Trim(h, "-")
	if h == "" || len(h) > 63 {
		return "node-1"
	}
	return h
}

func (c *Config) statePath() string { return filepath.Join(c.DataDir, "state.db") }
func (c *Config) tlsDir() string    { return filepath.Join(c.DataDir, "tls") }
func (c *Config) raftDir() string   { return filepath.Join(c.DataDir, "raft") }
