package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

func TestServeFirstStartRestartAndStop(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir)
	p.waitReady(t)
	p.waitOutput(t, "Sign in as")

	// The bootstrap administrator's password is printed once and kept in a 0600 file.
	pw := regexp.MustCompile(`(?m)^\s+([A-Za-z0-9]{24})$`).FindStringSubmatch(p.stdout.String())
	if pw == nil || !strings.Contains(p.stdout.String(), "Sign in as admin@sovereign.local") {
		t.Fatalf("first start did not print how to sign in:\n%s", p.stdout.String())
	}
	file := filepath.Join(dir, "admin-password")
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("admin-password mode %v, want 0600", st.Mode().Perm())
	}
	if data, _ := os.ReadFile(file); strings.TrimSpace(string(data)) != pw[1] {
		t.Fatal("admin-password does not hold the printed password")
	}

	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"ready"`} {
		resp, err := http.Get("http://" + p.http + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	resp, err := http.Get("http://" + p.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, series := range []string{
		"sovereign_raft_state ", "sovereign_raft_term ", "sovereign_raft_commit_index ", "sovereign_raft_applied_index ",
		"sovereign_raft_apply_duration_seconds_bucket", "sovereign_storage_bytes ",
		`sovereign_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200"`,
	} {
		if !strings.Contains(string(metrics), series) {
			t.Errorf("/metrics lacks %s", series)
		}
	}

	if d := p.stop(t); d > shutdownBudget {
		t.Fatalf("stop took %v", d)
	}
	for _, line := range readLines(p.stderr.String()) {
		if !json.Valid([]byte(line)) {
			t.Fatalf("log line is not JSON: %s", line)
		}
	}

	// A restart reuses the state: no new cluster, no new password.
	before, _ := os.ReadFile(file)
	p = startServe(t, dir)
	d := p.waitReady(t)
	t.Logf("restart to /readyz: %v", d)
	p.waitOutput(t, "Sign in as")
	if strings.Contains(p.stderr.String(), "bootstrapped a new cluster") {
		t.Fatal("restart bootstrapped a new cluster")
	}
	if strings.Contains(p.stdout.String(), pw[1]) || !strings.Contains(p.stdout.String(), "first password is in") {
		t.Fatalf("restart output:\n%s", p.stdout.String())
	}
	if after, _ := os.ReadFile(file); string(after) != string(before) {
		t.Fatal("restart replaced the admin password")
	}
	p.stop(t)
}

func TestServeRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	cfgFile := func(body string) string {
		f := filepath.Join(base, "c"+strings.ReplaceAll(t.Name(), "/", "_")+".yaml")
		os.WriteFile(f, []byte(body), 0o600)
		return f
	}
	unknownKey := cfgFile("regoin: hz-fsn\n")
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"http not an address", []string{"--http", "localhost"}, nil, "--http"},
		{"http port out of range", []string{"--http", "127.0.0.1:70000"}, nil, "--http"},
		{"raft not an address", []string{"--raft", "nowhere"}, nil, "--raft"},
		{"region not a DNS label", []string{"--region", "Hz_Fsn"}, nil, "--region"},
		{"region from env", nil, []string{"SOVEREIGN_REGION=-bad"}, "--region"},
		{"region from CATALYST_REGION", nil, []string{"CATALYST_REGION=UPPER"}, "--region"},
		{"fqdn", []string{"--fqdn", "a..b"}, nil, "--fqdn"},
		{"fqdn of one label", []string{"--fqdn", "localhost"}, nil, "--fqdn"},
		{"admin email", []string{"--admin-email", "not-an-email"}, nil, "--admin-email"},
		{"node name", []string{"--node-name", "Node One"}, nil, "--node-name"},
		{"unknown config key", []string{"--config", unknownKey}, nil, `unknown key "regoin"`},
		{"missing config file", []string{"--config", filepath.Join(base, "nope.yaml")}, nil, "--config"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(base, "data-"+strings.ReplaceAll(c.name, " ", "-"))
			args := append([]string{"serve", "--dev", "--data-dir", dir}, c.args...)
			code, _, stderr := run(t, c.env, args...)
			if code == 0 {
				t.Fatal("started")
			}
			if !strings.Contains(stderr, c.want) {
				t.Fatalf("stderr does not name %s: %s", c.want, stderr)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatal("a refused start created the data directory")
			}
		})
	}
}

func TestServeRefusesDamagedState(t *testing.T) {
	t.Parallel()
	cases := map[string]func(t *testing.T, dir string){
		"state file truncated": func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, "state.db"), 5*4096+17); err != nil {
				t.Fatal(err)
			}
		},
		"state file overwritten": func(t *testing.T, dir string) {
			f, _ := os.OpenFile(filepath.Join(dir, "state.db"), os.O_WRONLY, 0)
			f.WriteAt(make([]byte, 8*4096), 0)
			f.Close()
		},
		"raft log metadata overwritten": func(t *testing.T, dir string) {
			f, _ := os.OpenFile(filepath.Join(dir, "raft", "wal", "wal-meta.db"), os.O_WRONLY, 0)
			f.WriteAt(make([]byte, 4*4096), 0)
			f.Close()
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			p := startServe(t, dir)
			p.waitReady(t)
			p.stop(t)
			damage(t, dir)
			before := tree(t, dir)
			code, _, stderr := run(t, nil, "serve", "--dev", "--data-dir", dir, "--http", freePort(t), "--raft", freePort(t), "--node-name", "n1")
			if code == 0 {
				t.Fatal("started on a damaged data directory")
			}
			if !strings.Contains(stderr, "damaged") || !strings.Contains(stderr, "snapshot") {
				t.Fatalf("error does not say what is wrong and what to do: %s", stderr)
			}
			sameTree(t, before, tree(t, dir))
		})
	}
}

func TestServeRefusesSecondProcess(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	p := startServe(t, dir)
	p.waitReady(t)
	before := tree(t, dir)
	code, _, stderr := run(t, nil, "serve", "--dev", "--data-dir", dir, "--http", freePort(t), "--raft", freePort(t), "--node-name", "n1")
	if code == 0 || !strings.Contains(stderr, "in use by another sovereign process") {
		t.Fatalf("second process: exit %d: %s", code, stderr)
	}
	// The running node goes on writing its state and log; every other file
	// must be as it was, and none may appear.
	after := tree(t, dir)
	if _, ok := after["state.db"]; !ok {
		t.Fatal("state.db is gone")
	}
	after["state.db"] = before["state.db"]
	for name := range after {
		if strings.HasPrefix(name, filepath.Join("raft", "wal")+string(filepath.Separator)) {
			if _, ok := before[name]; !ok {
				t.Fatalf("%s appeared", name)
			}
			after[name] = before[name]
		}
	}
	sameTree(t, before, after)
	p.stop(t)
}

func TestServeRefusesUnwritableDataDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	bin := binary
	asNobody := os.Getuid() == 0
	if asNobody {
		// root writes anywhere; run as nobody, who may read but not write.
		// nobody must reach the data directory and the binary, wherever the
		// checkout lives, so both sit under the temporary folder, opened up.
		bin = filepath.Join(t.TempDir(), "sovereign")
		data, err := os.ReadFile(binary)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{dir, bin} {
			for d := filepath.Dir(p); d != "/" && strings.HasPrefix(d, os.TempDir()) && d != os.TempDir(); d = filepath.Dir(d) {
				if st, err := os.Stat(d); err == nil {
					os.Chmod(d, st.Mode().Perm()|0o005)
				}
			}
		}
		if st, err := os.Stat(os.TempDir()); err != nil || st.Mode().Perm()&0o001 == 0 {
			t.Skipf("nobody cannot reach %s", os.TempDir())
		}
	}
	cmd := exec.Command(bin, "serve", "--dev", "--data-dir", dir, "--http", freePort(t), "--raft", freePort(t))
	if asNobody {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	if _, exited := err.(*exec.ExitError); !exited {
		t.Fatalf("run %s: %v (started: %v)", binary, err, err == nil)
	}
	if !strings.Contains(string(out), "--data-dir") || !strings.Contains(string(out), "not writable") {
		t.Fatalf("error does not name the flag and the fix: %s", out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("files appeared: %v", entries)
	}
}

func TestVersionCommand(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, nil, "version")
	if code != 0 || !strings.Contains(out, "sovereign ") || !strings.Contains(out, "go1.") {
		t.Fatalf("version: %d %s", code, out)
	}
}
