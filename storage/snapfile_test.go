package storage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSnapshotFileRoundTripAndDamage(t *testing.T) {
	src := openTest(t, populated(t, 300))
	var file bytes.Buffer
	h, err := src.WriteSnapshotFile(&file, SnapshotHeader{Node: "n1", Region: "hz-fsn"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Index != 300 || h.Size <= 0 {
		t.Fatalf("header %+v", h)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "state.db")
	got, err := ReadSnapshotFile(bytes.NewReader(file.Bytes()), out)
	if err != nil {
		t.Fatal(err)
	}
	if got.Index != 300 || got.Region != "hz-fsn" {
		t.Fatalf("read header %+v", got)
	}
	restored := openTest(t, out)
	if !bytes.Equal(dumpOf(t, src), dumpOf(t, restored)) {
		t.Fatal("restored content differs")
	}

	whole := file.Bytes()
	flipped := append([]byte(nil), whole...)
	flipped[len(flipped)/2] ^= 0x01
	for name, data := range map[string][]byte{
		"a flipped byte":    flipped,
		"truncated":         whole[:len(whole)-100],
		"no checksum":       whole[:len(whole)-32],
		"trailing bytes":    append(append([]byte(nil), whole...), 'x'),
		"not a snapshot":    []byte("hello"),
		"a bare bbolt file": mustRead(t, populated(t, 3)),
		"empty":             nil,
	} {
		target := filepath.Join(t.TempDir(), "state.db")
		_, err := ReadSnapshotFile(bytes.NewReader(data), target)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !errors.Is(err, ErrNotSnapshot) {
			t.Errorf("%s: %v is not ErrNotSnapshot", name, err)
		}
		if entries, _ := os.ReadDir(filepath.Dir(target)); len(entries) != 0 {
			t.Errorf("%s: left files behind: %v", name, entries)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSavedSnapshotIsWholeOrNotThere(t *testing.T) {
	st := openTest(t, populated(t, 10))
	var file bytes.Buffer
	if _, err := st.WriteSnapshotFile(&file, SnapshotHeader{Region: "hz-fsn", Node: "n1"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "region.snapshot")
	h, err := SaveSnapshotFile(bytes.NewReader(file.Bytes()), path)
	if err != nil || h.Region != "hz-fsn" {
		t.Fatalf("save: %+v %v", h, err)
	}
	if saved, _ := os.ReadFile(path); !bytes.Equal(saved, file.Bytes()) {
		t.Fatal("the saved file differs from what was received")
	}
	// A stream cut short leaves the file saved before as it was, and no other.
	cut := filepath.Join(dir, "cut.snapshot")
	if _, err := SaveSnapshotFile(bytes.NewReader(file.Bytes()[:file.Len()/2]), cut); err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("a cut stream was saved: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left %d files, want the one saved before", len(entries))
	}
}
