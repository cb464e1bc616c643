package node

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/openova-io/sovereign/app"
	"github.com/openova-io/sovereign/internal/names"
)

// Config is everything a node is told, validated once at start. Package
// cmd fills it from flags, the environment and a file; the field comments
// name the flags.
type Config struct {
	DataDir string // --data-dir
	HTTP    string // --http
	HTTPS   string // --https
	Raft    string // --raft
	Etcd    string // --etcd
	// EtcdCompactInterval and EtcdCompactKeep: the leader compacts the
	// etcd key space this often (0: never), keeping this many revisions.
	EtcdCompactInterval time.Duration // --etcd-compact-interval
	EtcdCompactKeep     int64         // --etcd-compact-keep
	Registry            string        // --registry
	Advertise           string        // --advertise
	Region              string        // --region
	FQDN                string        // --fqdn
	DeploymentID        string        // --deployment-id
	Provider            string        // --provider
	NodeName            string        // --node-name
	AdminEmail          string        // --admin-email
	CatalogDir          string        // --catalog-dir
	// HandoverPublicKey and HandoverIssuers check the OpenOva console's
	// handover tokens (app/handover.go).
	HandoverPublicKey string   // --handover-public-key
	HandoverIssuers   []string // --handover-issuers
	Join              string   // --join
	JoinToken         string   // --token
	RemoveDeadAfter   time.Duration
	LogLevel          string
	ConfigFile        string
	Dev               bool

	// RegistryTokenFile holds the token the registry asks of every pull.
	RegistryTokenFile string // --registry-token-file
}

// Validate checks every value once, at start, and names the flag and the
// fix of the first one that is wrong. It creates the data directory if
// needed, to prove it is writable.
func (c *Config) Validate() error {
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
	if err := c.validateEtcd(); err != nil {
		return err
	}
	if err := c.validateRegistry(); err != nil {
		return err
	}
	if c.Advertise != "" {
		if err := checkAddr("--advertise", c.Advertise); err != nil {
			return err
		}
	}
	if err := names.Region(c.Region); err != nil {
		return fmt.Errorf("--region %q: %v", c.Region, err)
	}
	if c.FQDN != "" {
		if err := names.FQDN(c.FQDN); err != nil {
			return fmt.Errorf("--fqdn %q: %v", c.FQDN, err)
		}
	}
	if c.DeploymentID != "" {
		if err := names.DeploymentID(c.DeploymentID); err != nil {
			return fmt.Errorf("--deployment-id %q: %v", c.DeploymentID, err)
		}
	}
	if c.Provider != "" && names.DNSLabel(c.Provider) != nil {
		return fmt.Errorf("--provider %q: not a DNS label (for example hetzner)", c.Provider)
	}
	if err := names.NodeName(c.NodeName); err != nil {
		return fmt.Errorf("--node-name %q: %v", c.NodeName, err)
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

// validateHandover checks --handover-public-key and --handover-issuers.
func (c *Config) validateHandover() error {
	if c.HandoverPublicKey != "" {
		if _, err := app.ReadHandoverKeys(c.HandoverPublicKey); err != nil {
			return fmt.Errorf("--handover-public-key (or CATALYST_HANDOVER_JWT_PUBLIC_KEY_PATH): %v", err)
		}
	}
	for _, iss := range c.HandoverIssuers {
		u, err := url.Parse(iss)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("--handover-issuers: %q is not an https URL (for example %s)", iss, app.DefaultHandoverIssuer)
		}
	}
	return nil
}

// checkAddr checks a host:port listen or dial address given with flag.
func checkAddr(flag, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: not a host:port address (for example 127.0.0.1:8080)", flag, addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("%s %q: port %q is not a number from 0 to 65535", flag, addr, port)
	}
	if host != "" && net.ParseIP(host) == nil && !isHostName(host) {
		return fmt.Errorf("%s %q: host %q is neither an IP address nor a host name", flag, addr, host)
	}
	return nil
}

// isHostName accepts a single host label (localhost, a machine's name) or
// a domain name.
func isHostName(host string) bool {
	return names.HostLabel(host) == nil || names.FQDN(host) == nil
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

// DefaultNodeName is the node name when --node-name is not given: the
// host name's first label, made a node name, or node-1.
func DefaultNodeName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "node-1"
	}
	h = strings.ToLower(strings.SplitN(h, ".", 2)[0])
	h = regexp.MustCompile(`[^a-z0-9-]`).ReplaceAllString(h, "-")
	h = strings.Trim(h, "-")
	if names.NodeName(h) != nil {
		return "node-1"
	}
	return h
}

func (c *Config) statePath() string { return filepath.Join(c.DataDir, "state.db") }
func (c *Config) tlsDir() string    { return filepath.Join(c.DataDir, "tls") }
func (c *Config) raftDir() string   { return filepath.Join(c.DataDir, "raft") }

// raftAddr is the Raft address peers dial.
func (c *Config) raftAddr() string {
	if c.Advertise != "" {
		return c.Advertise
	}
	return c.Raft
}
