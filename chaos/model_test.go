package chaos

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
)

// Every history kept in testdata/histories gets the verdict it names: the
// hand-made ones show the checker finds a stale read, a lost write and a
// wrong compare-and-swap, and accepts an unknown write that lands later; a
// history saved from a chaos run that showed a violation joins them once
// the bug is fixed.
func TestKeptHistoriesGetTheirVerdict(t *testing.T) {
	paths, err := filepath.Glob("testdata/histories/*.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no histories in testdata/histories: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			f, ops, err := loadHistory(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := porcupine.CheckOperations(kvModel, ops); got != (f.Want == string(porcupine.Ok)) {
				t.Fatalf("linearizable: %v, want %s (%s)", got, f.Want, f.Note)
			}
		})
	}
}
