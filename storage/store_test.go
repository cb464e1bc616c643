package storage

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

func openTest(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func entry(index uint64, c Command) *raft.Log {
	return &raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: c.Encode()}
}

func mustApply(t *testing.T, s *Store, logs ...*raft.Log) []Result {
	t.Helper()
	var out []Result
	for _, r := range s.ApplyBatch(logs) {
		out = append(out, r.(Result))
	}
	return out
}

func TestApplyBatchSkipsWhatWasApplied(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "state.db"))
	k := []byte("k")
	mustApply(t, s, entry(1, Put(BucketUsers, k, []byte("a"))), entry(2, Put(BucketUsers, k, []byte("b"))))
	// A replay of 1 and 2 (as after a crash) followed by a new entry 3.
	mustApply(t, s, entry(1, Put(BucketUsers, k, []byte("a"))), entry(2, Put(BucketUsers, k, []byte("b"))), entry(3, Put(BucketUsers, k, []byte("c"))))
	rec, ok, err := s.Get(BucketUsers, k)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if rec.Version != 3 || string(rec.Value) != "c" || rec.CreateIndex != 1 || rec.ModIndex != 3 {
		t.Fatalf("record = %+v, want version 3, value c, created at 1, changed at 3", rec)
	}
	if idx, term := s.Applied(); idx != 3 || term != 1 {
		t.Fatalf("applied = %d/%d, want 3/1", idx, term)
	}
}

func TestRefusedCommandsChangeNothing(t *testing.T) {
	s := openTest(t, filepath.Join(t.TempDir(), "state.db"))
	mustApply(t, s, entry(1, Create(BucketUsers, []byte("u1"), []byte("x"))))
	before := dumpOf(t, s)
	cases := map[string]Command{
		"create over an existing key": Create(BucketUsers, []byte("u1"), []byte("y")),
		"batch whose last op conflicts": Batch(
			Put(BucketUsers, []byte("u2"), []byte("y")),
			Create(BucketUsers, []byte("u1"), []byte("z")),
		),
		"unknown bucket":         Put([]byte("nope"), []byte("k"), []byte("v")),
		"meta bucket":            Put(bucketMeta, []byte("applied_index"), []byte("v")),
		"empty key":              Put(BucketUsers, nil, []byte("v")),
		"key too long":           Put(BucketUsers, bytes.Repeat([]byte("k"), 40000), []byte("v")),
		"wrong expected version": {Op: OpPut, Bucket: BucketUsers, Key: []byte("u1"), Value: []byte("v"), Expect: 7},
	}
	i := uint64(2)
	for name, c := range cases {
		res := mustApply(t, s, entry(i, c))[0]
		if res.Err == nil {
			t.Errorf("%s: accepted", name)
		}
		i++
	}
	garbage := &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: []byte{commandFormat, 99}}
	if res := mustApply(t, s, garbage)[0]; !errors.Is(res.Err, ErrBadCommand) {
		t.Errorf("garbage command: %v", res.Err)
	}
	if after := dumpOf(t, s); !bytes.Equal(before, after) {
		t.Fatalf("refused commands changed the state:\n%s\n---\n%s", before, after)
	}
}

func dumpOf(t *testing.T, s *Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := s.Dump(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// populated returns the path of a closed state file holding n records.
func populated(t *testing.T, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var logs []*raft.Log
	for i := 1; i <= n; i++ {
		logs = append(logs, entry(uint64(i), Put(BucketUsers, []byte(strings.Repeat("k", i%50+1)+string(rune('a'+i%26))), bytes.Repeat([]byte("v"), 100))))
	}
	mustApply(t, s, logs...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func dirState(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = sha256.Sum256(data)
	}
	return out
}

func TestDamagedFilesAreRefusedAndLeftAlone(t *testing.T) {
	cases := map[string]func(t *testing.T, path string){
		"truncated to 16 pages": func(t *testing.T, path string) {
			if err := os.Truncate(path, 16*4096); err != nil {
				t.Fatal(err)
			}
		},
		"truncated inside a page": func(t *testing.T, path string) {
			if err := os.Truncate(path, 3*4096+100); err != nil {
				t.Fatal(err)
			}
		},
		"both meta pages overwritten": func(t *testing.T, path string) {
			overwrite(t, path, 0, 2*4096)
		},
		"data pages overwritten": func(t *testing.T, path string) {
			overwrite(t, path, 2*4096, 64*4096)
		},
		"empty": func(t *testing.T, path string) {
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			path := populated(t, 2000)
			damage(t, path)
			before := dirState(t, filepath.Dir(path))
			s, err := Open(path, Options{})
			if err == nil {
				s.Close()
				t.Fatal("a damaged file was opened")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v is not ErrCorrupt", err)
			}
			if !strings.Contains(err.Error(), "snapshot") {
				t.Errorf("error %q does not say what to do", err)
			}
			if after := dirState(t, filepath.Dir(path)); !equalState(before, after) {
				t.Fatalf("opening a damaged file changed the directory: %v -> %v", before, after)
			}
		})
	}
}

func overwrite(t *testing.T, path string, off, n int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, int(n)), off); err != nil {
		t.Fatal(err)
	}
}

func equalState(a, b map[string][32]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	openTest(t, path)
	before := dirState(t, filepath.Dir(path))
	_, err := Open(path, Options{})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if after := dirState(t, filepath.Dir(path)); !equalState(before, after) {
		t.Fatal("a refused open changed files")
	}
}

func TestSnapshotRestoreRoundTrip(t *testing.T) {
	src := openTest(t, populated(t, 500))
	want := dumpOf(t, src)
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	snap.Release()

	dst := openTest(t, filepath.Join(t.TempDir(), "state.db"))
	mustApply(t, dst, entry(1, Put(BucketUsers, []byte("gone"), []byte("x"))))
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if got := dumpOf(t, dst); !bytes.Equal(got, want) {
		t.Fatal("restored state differs from the snapshot's")
	}
	if idx, _ := dst.Applied(); idx != 500 {
		t.Fatalf("applied index after restore = %d, want 500", idx)
	}
}

func TestRestoreRefusesWhatIsNotASnapshot(t *testing.T) {
	s := openTest(t, populated(t, 50))
	want := dumpOf(t, s)
	for name, data := range map[string][]byte{
		"empty":   nil,
		"garbage": bytes.Repeat([]byte("not a snapshot "), 1000),
	} {
		if err := s.Restore(io.NopCloser(bytes.NewReader(data))); err == nil {
			t.Errorf("%s: restored", name)
		}
		if got := dumpOf(t, s); !bytes.Equal(got, want) {
			t.Fatalf("%s: a refused restore changed the state", name)
		}
		if _, err := os.Stat(s.Path() + ".restore"); !os.IsNotExist(err) {
			t.Errorf("%s: left a temporary file", name)
		}
	}
}

func TestFileFromAnotherBootIsSetAside(t *testing.T) {
	path := populated(t, 10)
	if err := os.WriteFile(markerPath(path), []byte("another-boot\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := openTest(t, path)
	if !s.Rebuilt() {
		t.Fatal("file was trusted")
	}
	if n, _ := s.Count(BucketUsers); n != 0 {
		t.Fatalf("rebuilt file starts with %d records", n)
	}
	matches, _ := filepath.Glob(path + ".unclean-*")
	if len(matches) != 1 {
		t.Fatalf("untrusted file not kept aside: %v", matches)
	}
}

func TestCrashOnSameBootIsTrusted(t *testing.T) {
	path := populated(t, 10)
	if err := writeMarker(path); err != nil { // as a killed process leaves it
		t.Fatal(err)
	}
	s := openTest(t, path)
	if s.Rebuilt() {
		t.Fatal("file from this boot was distrusted")
	}
	if n, _ := s.Count(BucketUsers); n != 10 {
		t.Fatalf("count = %d, want 10", n)
	}
}

type memSink struct{ bytes.Buffer }

func (m *memSink) ID() string    { return "mem" }
func (m *memSink) Cancel() error { return nil }
func (m *memSink) Close() error  { return nil }
