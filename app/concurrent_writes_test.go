package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openova-io/sovereign/storage"
)

// Console writes under concurrency: the audit entry is numbered by the
// state machine, so writes of different records never refuse each other;
// writes of the same record still do, and the console decides what it can.

// sendJSON is one request from a goroutine other than the test's: it
// reports instead of failing the test.
func sendJSON(client *http.Client, method, url, token string, body any) (int, []byte, error) {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(method, url, bytes.NewReader(data))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func regionBody(id string) map[string]any {
	return map[string]any{"id": id, "name": id, "provider": "hetzner", "providerRegion": "fsn1", "workerCount": 1, "status": "healthy"}
}

// fullTrail pages through a node's whole trail, as `sovereign audit verify` does.
func (tn *testNode) fullTrail(token string) ([]AuditEntry, AuditHead) {
	tn.t.Helper()
	var all []AuditEntry
	var head AuditHead
	for after := uint64(0); ; {
		r := tn.get("/api/v1/sovereign/audit?after="+strconv.FormatUint(after, 10), token)
		expectStatus(tn.t, r, http.StatusOK)
		var page struct {
			Entries []AuditEntry `json:"entries"`
			Head    AuditHead    `json:"head"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			tn.t.Fatal(err)
		}
		all, head = append(all, page.Entries...), page.Head
		if len(page.Entries) == 0 || page.Entries[len(page.Entries)-1].Seq >= head.Seq {
			return all, head
		}
		after = page.Entries[len(page.Entries)-1].Seq
	}
}

// countActions counts the entries of action per target.
func countActions(entries []AuditEntry, action string) map[string]int {
	n := map[string]int{}
	for _, e := range entries {
		if e.Action == action {
			n[e.Target]++
		}
	}
	return n
}

func TestWritesOfDistinctRecordsNeverConflict(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()
	const writers, each = 32, 20
	var created, other atomic.Int64
	var failures sync.Map
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				id := fmt.Sprintf("r-%02d-%03d", w, i)
				status, body, err := sendJSON(http.DefaultClient, http.MethodPost, tn.url+"/api/v1/sovereign/topology/regions", admin, regionBody(id))
				if status == http.StatusCreated {
					created.Add(1)
					continue
				}
				other.Add(1)
				failures.Store(id, fmt.Sprintf("%d %s %v", status, body, err))
			}
		}(w)
	}
	wg.Wait()
	failures.Range(func(k, v any) bool {
		t.Errorf("%s: %s", k, v)
		return true
	})
	if created.Load() != writers*each {
		t.Fatalf("%d of %d writes created, %d answered otherwise", created.Load(), writers*each, other.Load())
	}
	entries, head := tn.fullTrail(admin)
	if err := VerifyAudit(entries, head); err != nil {
		t.Fatal(err)
	}
	if n := len(countActions(entries, "topology.create")); n != writers*each {
		t.Fatalf("%d records with a topology.create entry, want %d", n, writers*each)
	}
}

func TestTwoRequestsChangingTheSameRecordConflict(t *testing.T) {
	t.Parallel()
	tn := startNode(t)
	admin := tn.adminToken()

	// Creating the same region from several requests at once: one wins,
	// the others are told it exists; one entry in the trail.
	const racers = 8
	statuses := make([]int, racers)
	bodies := make([]string, racers)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, b, _ := sendJSON(http.DefaultClient, http.MethodPost, tn.url+"/api/v1/sovereign/topology/regions", admin, regionBody("hz-same"))
			statuses[i], bodies[i] = s, string(b)
		}(i)
	}
	wg.Wait()
	won := 0
	for i, s := range statuses {
		switch {
		case s == http.StatusCreated:
			won++
		case s == http.StatusConflict && strings.Contains(bodies[i], "exists"):
		default:
			t.Errorf("racer %d: %d %s", i, s, bodies[i])
		}
	}
	if won != 1 {
		t.Fatalf("%d requests created the same region, want exactly 1: %v", won, statuses)
	}

	// Changing the same user from several requests at once: every change
	// reads a version another one moves, so all but one are refused at
	// apply; the console builds each again from the new state and all of
	// them land, one after another.
	u := tn.addUser("dev@sovereign.local", "org-developer", testPassword)
	before, _, _ := tn.store.Get(storage.BucketUsers, []byte(u.ID))
	const editors = 4
	for i := 0; i < editors; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, b, err := sendJSON(http.DefaultClient, http.MethodPatch, tn.url+"/api/v1/sovereign/users/"+u.ID, admin, map[string]any{"name": fmt.Sprint("editor ", i)})
			if s != http.StatusOK {
				t.Errorf("editor %d: %d %s %v", i, s, b, err)
			}
		}(i)
	}
	wg.Wait()
	after, _, _ := tn.store.Get(storage.BucketUsers, []byte(u.ID))
	if after.Version != before.Version+editors {
		t.Fatalf("user at version %d after %d changes from version %d", after.Version, editors, before.Version)
	}

	entries, head := tn.fullTrail(admin)
	if err := VerifyAudit(entries, head); err != nil {
		t.Fatal(err)
	}
	if n := countActions(entries, "topology.create")["regions/hz-same"]; n != 1 {
		t.Errorf("%d entries for the one region created, want 1", n)
	}
	updates := 0
	for target, n := range countActions(entries, "user.update") {
		if strings.HasPrefix(target, "user/"+u.ID) {
			updates += n
		}
	}
	if updates != editors {
		t.Errorf("%d user.update entries, want %d", updates, editors)
	}
}
