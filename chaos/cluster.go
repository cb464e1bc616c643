package chaos

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/openova-io/sovereign/internal/proctest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

const region = "hz-fsn"

// node is one `sovereign serve` of the cluster, restarted on the same
// data directory and addresses after every kill.
type node struct {
	idx                     int
	name, dir               string
	http, https, raft, etcd string
	proxy                   *proxy

	mu      sync.Mutex
	proc    *proctest.Proc
	stopped bool   // SIGSTOP sent, no SIGCONT yet
	logs    string // the output of the processes before this one
}

// cluster is three nodes of one region on loopback, each behind its own
// fault proxy.
type cluster struct {
	bin      string
	nodes    []*node
	faults   *faults
	password string
	tls      *tls.Config // the etcd client's certificate and the cluster CA
}

func freePorts(n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		a, err := proctest.FreePort()
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// startCluster starts three nodes in base and joins them with tokens.
func startCluster(bin, base string) (*cluster, error) {
	c := &cluster{bin: bin}
	c.faults = newFaults(c.pids)
	for i := 0; i < 3; i++ {
		ports, err := freePorts(4)
		if err != nil {
			return nil, err
		}
		n := &node{idx: i, name: fmt.Sprintf("n%d", i+1), dir: filepath.Join(base, fmt.Sprintf("n%d", i+1)),
			http: ports[0], https: ports[1], raft: ports[2], etcd: ports[3]}
		if n.proxy, err = startProxy(c.faults, i, n.raft); err != nil {
			return nil, err
		}
		c.nodes = append(c.nodes, n)
	}
	n1 := c.nodes[0]
	if err := c.start(n1); err != nil {
		return c, err
	}
	if err := n1.proc.WaitReady(30 * time.Second); err != nil {
		return c, err
	}
	pw, err := os.ReadFile(filepath.Join(n1.dir, "admin-password"))
	if err != nil {
		return c, err
	}
	c.password = strings.TrimSpace(string(pw))
	admin, err := c.login(n1)
	if err != nil {
		return c, err
	}
	for _, n := range c.nodes[1:] {
		var tk struct{ Token string }
		if code, err := admin.call(n1, "POST", "/api/v1/cluster/tokens", map[string]string{"ttl": "10m"}, &tk); code != 201 {
			return c, fmt.Errorf("create a join token: %d %v", code, err)
		}
		if err := c.start(n, "--join", "https://"+n1.https, "--token", tk.Token); err != nil {
			return c, err
		}
		if err := n.proc.WaitReady(30 * time.Second); err != nil {
			return c, fmt.Errorf("%s: %w", n.name, err)
		}
	}
	if err := c.waitVoters(admin, 30*time.Second); err != nil {
		return c, err
	}
	return c, c.clientCert(base)
}

// start launches n's process; extra flags follow (only at its first start).
func (c *cluster) start(n *node, extra ...string) error {
	args := append([]string{"serve", "--data-dir", n.dir, "--node-name", n.name, "--region", region,
		"--http", n.http, "--https", n.https, "--raft", n.raft, "--advertise", n.proxy.addr(),
		"--etcd", n.etcd, "--etcd-compact-interval", "0"}, extra...)
	p, err := proctest.Launch(c.bin, n.http, args...)
	if err != nil {
		return err
	}
	n.mu.Lock()
	if n.proc != nil {
		n.logs += n.proc.Stdout.String() + n.proc.Stderr.String()
	}
	n.proc, n.stopped = p, false
	n.mu.Unlock()
	return nil
}

// pids lists the nodes' current process ids (0 for a node not running).
func (c *cluster) pids() []int {
	out := make([]int, len(c.nodes))
	for i, n := range c.nodes {
		n.mu.Lock()
		if n.proc != nil && !n.proc.Exited() {
			out[i] = n.proc.Cmd.Process.Pid
		}
		n.mu.Unlock()
	}
	return out
}

func (n *node) current() *proctest.Proc {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.proc
}

// kill9 kills n with SIGKILL and waits for the end.
func (c *cluster) kill9(n *node) {
	n.current().Kill()
}

// restart starts n again if it is not running.
func (c *cluster) restart(n *node) error {
	if p := n.current(); p != nil && !p.Exited() {
		return nil
	}
	return c.start(n)
}

func (c *cluster) pause(n *node) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.proc.Exited() {
		n.proc.Cmd.Process.Signal(syscall.SIGSTOP)
		n.stopped = true
	}
}

func (c *cluster) resume(n *node) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped && !n.proc.Exited() {
		n.proc.Cmd.Process.Signal(syscall.SIGCONT)
	}
	n.stopped = false
}

// heal ends every fault: links whole, paused nodes resumed, killed ones
// started again and ready.
func (c *cluster) heal() error {
	c.faults.heal()
	for _, n := range c.nodes {
		c.resume(n)
		if err := c.restart(n); err != nil {
			return err
		}
	}
	for _, n := range c.nodes {
		if err := n.current().WaitReady(60 * time.Second); err != nil {
			return fmt.Errorf("%s after heal: %w", n.name, err)
		}
	}
	return nil
}

// stop kills every node and closes the proxies.
func (c *cluster) stop() {
	for _, n := range c.nodes {
		if p := n.current(); p != nil {
			p.Kill()
		}
		n.proxy.close()
	}
	c.faults.closeAll()
}

// output is everything n's processes wrote.
func (n *node) output() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.logs
	if n.proc != nil {
		out += n.proc.Stdout.String() + n.proc.Stderr.String()
	}
	return out
}

// panics counts the panics and fatal runtime errors in n's output.
func (n *node) panics() int {
	out := n.output()
	return strings.Count(out, "panic: ") + strings.Count(out, "fatal error: ")
}

// clientCert asks `sovereign etcd client-cert` for the etcd client's
// certificate, as k3s gets it.
func (c *cluster) clientCert(base string) error {
	out := filepath.Join(base, "etcd-client")
	var last []byte
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		cmd := exec.Command(c.bin, "etcd", "client-cert", "--data-dir", c.nodes[0].dir, "--out", out)
		b, err := cmd.CombinedOutput()
		if err != nil {
			last = b
			continue
		}
		ca, err := os.ReadFile(filepath.Join(out, "ca.crt"))
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca)
		pair, err := tls.LoadX509KeyPair(filepath.Join(out, "client.crt"), filepath.Join(out, "client.key"))
		if err != nil {
			return err
		}
		c.tls = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		return nil
	}
	return fmt.Errorf("etcd client-cert: %s", last)
}

// etcdClient is a client of the etcd endpoints of the nodes named.
func (c *cluster) etcdClient(nodes ...*node) (*clientv3.Client, error) {
	var eps []string
	for _, n := range nodes {
		eps = append(eps, "https://"+n.etcd)
	}
	return clientv3.New(clientv3.Config{
		Endpoints:   eps,
		TLS:         c.tls.Clone(),
		DialTimeout: 2 * time.Second,
		Logger:      zap.NewNop(),
	})
}

// console is an administrator's session with the Console API.
type console struct {
	token string
	http  *http.Client
}

func (c *cluster) login(n *node) (*console, error) {
	a := &console{http: &http.Client{Timeout: 5 * time.Second}}
	var out struct{ Token string }
	code, err := a.call(n, "POST", "/api/v1/auth/login", map[string]string{"email": "admin@sovereign.local", "password": c.password}, &out)
	if code != 200 {
		return nil, fmt.Errorf("login on %s: %d %v", n.name, code, err)
	}
	a.token = out.Token
	return a, nil
}

// call sends a JSON request to n's plain HTTP listener and decodes a 2xx
// answer into out; the status is 0 when n could not be reached.
func (a *console) call(n *node, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, "http://"+n.http+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return resp.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		return resp.StatusCode, json.Unmarshal(data, out)
	}
	return resp.StatusCode, nil
}

// waitVoters waits until the first node reports three voters and a leader.
func (c *cluster) waitVoters(a *console, limit time.Duration) error {
	var last string
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var st struct {
			Leader  string
			Members []struct{ ID, Suffrage string }
		}
		if code, _ := a.call(c.nodes[0], "GET", "/api/v1/cluster/status", nil, &st); code != 200 {
			continue
		}
		voters := 0
		for _, m := range st.Members {
			if m.Suffrage == "Voter" {
				voters++
			}
		}
		last = fmt.Sprintf("%+v", st)
		if voters == 3 && st.Leader != "" {
			return nil
		}
	}
	return fmt.Errorf("no three voters after %s: %s", limit, last)
}
