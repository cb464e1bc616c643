package chaos

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/anishathalye/porcupine"
)

// Concurrent clients on the etcd and Console APIs of three nodes while the
// nemesis kills, pauses and cuts them: every history is linearizable,
// every watch sends every event once and in order, nothing acknowledged is
// lost and no node panics.
func TestHistoriesUnderMixedFaultsStayLinearizable(t *testing.T) {
	c, err := startCluster(binary, t.TempDir())
	if c != nil {
		t.Cleanup(c.stop)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed %d", *seed)
	summary, err := os.OpenFile(filepath.Join(mkdir(t, *out), "summary.txt"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer summary.Close()
	for i := 0; i < *histories; i++ {
		res, err := runHistory(c, i, runConfig{Duration: *duration, Clients: *clients, Keys: *keys, Seed: *seed, Faults: true, Out: *out})
		if err != nil {
			dumpLogs(t, c)
			t.Fatalf("history %d: %v\nfaults:\n%v", i, err, res.Faults)
		}
		line := fmt.Sprintf("seed=%d %s", *seed, res)
		t.Log(line)
		fmt.Fprintln(summary, line)
		switch {
		case res.Linear == porcupine.Illegal:
			t.Errorf("history %d is not linearizable: see %s/history-%03d.html", i, *out, i)
		case res.Linear == porcupine.Unknown:
			t.Logf("history %d: the linearizability check ran out of time", i)
		}
		for _, s := range res.Watch.Disagree {
			t.Errorf("history %d: %s", i, s)
		}
		for _, s := range res.Watch.Gaps {
			t.Errorf("history %d: watch gap: %s", i, s)
		}
		for _, s := range append(res.Watch.Lost, res.RegionLost...) {
			t.Errorf("history %d: acknowledged write lost: %s", i, s)
		}
		if res.Panics > 0 {
			t.Errorf("history %d: %d panics in the nodes' output", i, res.Panics)
		}
	}
	if t.Failed() {
		dumpLogs(t, c)
	}
}

func mkdir(t *testing.T, dir string) string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// dumpLogs saves every node's output into the artifacts folder.
func dumpLogs(t *testing.T, c *cluster) {
	for _, n := range c.nodes {
		path := filepath.Join(mkdir(t, *out), n.name+".log")
		if err := os.WriteFile(path, []byte(n.output()), 0o644); err == nil {
			t.Logf("%s's output: %s", n.name, path)
		}
	}
}
