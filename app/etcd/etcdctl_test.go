package etcd

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Debian's etcdctl (package etcd-client) against a follower's endpoint,
// with a client certificate written by WriteClientCert, as k3s gets one.
func TestEtcdctlAgainstAFollower(t *testing.T) {
	bin, err := exec.LookPath("etcdctl")
	if err != nil {
		t.Skip("etcdctl is not installed (apt-get install -y etcd-client); CI installs it")
	}
	c := startCluster(t, Options{})
	dir := t.TempDir()
	if err := WriteClientCert(dir, c.caCert, c.caKey, "etcdctl"); err != nil {
		t.Fatal(err)
	}
	endpoint := c.follower().endpoint
	args := func(a ...string) []string {
		return append([]string{"--endpoints=" + endpoint, "--cacert=" + filepath.Join(dir, ClientCAFile),
			"--cert=" + filepath.Join(dir, ClientCertFile), "--key=" + filepath.Join(dir, ClientKeyFile),
			"--command-timeout=10s"}, a...)
	}
	run := func(stdin string, a ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args(a...)...)
		cmd.Env = []string{"ETCDCTL_API=3"}
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("etcdctl %s: %v\n%s", strings.Join(a, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	expect := func(got, want string) {
		t.Helper()
		if got != want {
			t.Fatalf("etcdctl answered\n%s\nwant\n%s", got, want)
		}
	}

	expect(run("", "put", "/ctl/a", "1"), "OK")
	expect(run("", "put", "/ctl/b", "2"), "OK")
	expect(run("", "put", "/ctl/a", "3"), "OK")
	expect(run("", "get", "/ctl/a"), "/ctl/a\n3")
	expect(run("", "get", "--prefix", "/ctl/"), "/ctl/a\n3\n/ctl/b\n2")
	expect(run("", "get", "--prefix", "--keys-only", "/ctl/"), "/ctl/a\n\n/ctl/b")
	expect(run("", "get", "--consistency=s", "/ctl/b"), "/ctl/b\n2")

	// Kubernetes' create, as etcdctl writes a transaction.
	expect(run("mod(\"/ctl/t\") = \"0\"\n\nput /ctl/t created\n\n\n", "txn"), "SUCCESS\n\nOK")
	expect(run("mod(\"/ctl/t\") = \"0\"\n\nput /ctl/t again\n\n\n", "txn"), "FAILURE")

	// A watch from a past revision sees the history, then what follows.
	rev := modRevisionOf(t, run("", "get", "/ctl/a", "-w", "json"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	watch := exec.CommandContext(ctx, bin, args("watch", "--prefix", "/ctl/", fmt.Sprintf("--rev=%d", rev))...)
	watch.Env = []string{"ETCDCTL_API=3"}
	out, err := watch.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); watch.Wait() }()
	expect(run("", "del", "/ctl/b"), "1")
	// etcdctl prints each event's type, then (kine sends it always) the
	// previous key and value, then the key and value.
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() {
		seen = append(seen, lines.Text())
		if n := len(seen); n >= 3 && seen[n-3] == "/ctl/b" && seen[n-2] == "2" && seen[n-1] == "/ctl/b" {
			break
		}
	}
	got := strings.Join(seen, "\n")
	want := "PUT\n/ctl/a\n1\n/ctl/a\n3\nPUT\n/ctl/t\ncreated\nDELETE\n/ctl/b\n2\n/ctl/b"
	if got != want {
		t.Fatalf("etcdctl watch printed\n%s\nwant\n%s", got, want)
	}

	expect(run("", "del", "--prefix", "/ctl/"), "2")
	expect(run("", "get", "--prefix", "/ctl/"), "")

	grant := run("", "lease", "grant", "30")
	expect(grant, "lease 000000000000001e granted with TTL(30s)")

	cur := revisionOf(t, run("", "get", "/ctl/a", "-w", "json"))
	expect(run("", "compaction", fmt.Sprint(cur)), fmt.Sprintf("compacted revision %d", cur))

	status := run("", "endpoint", "status")
	if !strings.Contains(status, endpoint) || !strings.Contains(status, "3.6.11") {
		t.Fatalf("endpoint status: %s", status)
	}
	if members := run("", "member", "list"); !strings.Contains(members, "started") {
		t.Fatalf("member list: %s", members)
	}
}

// modRevisionOf reads the mod revision of the first key of etcdctl's JSON answer.
func modRevisionOf(t *testing.T, js string) int64 {
	t.Helper()
	return revisionOf(t, strings.Replace(js[strings.Index(js, `"kvs"`):], `"mod_revision":`, `"revision":`, 1))
}

// revisionOf reads the header revision of etcdctl's JSON answer.
func revisionOf(t *testing.T, js string) int64 {
	t.Helper()
	i := strings.Index(js, `"revision":`)
	if i < 0 {
		t.Fatalf("no revision in %s", js)
	}
	var rev int64
	fmt.Sscan(strings.TrimLeft(js[i+len(`"revision":`):], " "), &rev)
	if rev == 0 {
		t.Fatalf("no revision in %s", js)
	}
	return rev
}
