package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAuditChainVerifiesAfterConcurrentWritesAndALeaderKill: 10,000
// distinct-record writes from 32 clients spread over three processes, the
// leader killed with SIGKILL half way; every write is acknowledged in the
// end (retried on another node when its answer was lost), none is refused
// as a conflict, and `sovereign audit verify` proves the chain on every
// node, the restarted one included, with exactly one entry per record.
func TestAuditChainVerifiesAfterConcurrentWritesAndALeaderKill(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 writes on three processes")
	}
	nodes, a, _ := threeNodes(t, "hz-fsn")
	st, _ := a.status(nodes[0])
	var leader *node
	for _, n := range nodes {
		if n.name == st.Leader {
			leader = n
		}
	}
	if leader == nil {
		t.Fatalf("no leader in %+v", st)
	}

	const total, writers = 10000, 32
	client := loadClient("127.0.0.1", writers)
	var next, acked, conflicts atomic.Int64
	var dead atomic.Pointer[node]
	half := make(chan struct{})
	var mu sync.Mutex
	var failed []string
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1)
				if i > total {
					return
				}
				id := fmt.Sprintf("r-%05d", i)
				body := map[string]any{"id": id, "name": id, "provider": "hetzner", "providerRegion": "fsn1", "workerCount": 1, "status": "healthy"}
				retried := false
				for attempt := 0; ; attempt++ {
					n := nodes[(int(i)+attempt)%len(nodes)]
					if n == dead.Load() {
						continue
					}
					code, out := post(client, http.MethodPost, "http://"+n.http+"/api/v1/sovereign/topology/regions", a.token, body)
					exists := code == http.StatusConflict && strings.Contains(string(out), "exists")
					if code == http.StatusCreated || (retried && exists) {
						if acked.Add(1) == total/2 {
							close(half)
						}
						break
					}
					if code == http.StatusConflict {
						conflicts.Add(1)
					}
					if attempt >= 100 {
						mu.Lock()
						failed = append(failed, fmt.Sprintf("%s: %d %s", id, code, out))
						mu.Unlock()
						break
					}
					// No answer, or 503 while a new leader is elected: the
					// write may have landed; the retry finds out.
					retried = true
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}
	<-half
	dead.Store(leader)
	leader.kill(t)
	t.Logf("leader %s killed after %d acknowledged writes", leader.name, acked.Load())
	wg.Wait()
	for _, f := range failed {
		t.Error(f)
	}
	if acked.Load() != total || conflicts.Load() != 0 {
		t.Fatalf("%d of %d writes acknowledged, %d refused as conflicts", acked.Load(), total, conflicts.Load())
	}

	leader.restart(t, "hz-fsn")
	leader.waitReady(t)
	for _, n := range nodes {
		env := []string{"SOVEREIGN_URL=http://" + n.http, "SOVEREIGN_TOKEN=" + a.token, "SOVEREIGN_PASSWORD=", "SOVEREIGN_EMAIL="}
		code, out, stderr := run(t, env, "audit", "verify", "-o", "json")
		if code != 0 {
			t.Fatalf("audit verify on %s: exit %d: %s%s", n.name, code, out, stderr)
		}
		var report struct {
			OK      bool `json:"ok"`
			Entries int  `json:"entries"`
		}
		if err := json.Unmarshal([]byte(out), &report); err != nil || !report.OK || report.Entries < total {
			t.Fatalf("audit verify on %s: %v %s", n.name, err, out)
		}
		created := a.auditTargets(n)
		for i := 1; i <= total; i++ {
			if c := created[fmt.Sprintf("regions/r-%05d", i)]; c != 1 {
				t.Fatalf("%s: region r-%05d has %d audit entries, want 1", n.name, i, c)
			}
		}
	}
}
