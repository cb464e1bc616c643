package chaos

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/anishathalye/porcupine"
)

// historyFile is a history as saved beside its visualisation
// (artifacts/history-NNN.json), so one that shows a violation can be kept
// in testdata/histories with the verdict it must get once the bug is fixed
// (or the one the checker must keep giving).
type historyFile struct {
	Want string         `json:"want"` // "Ok" or "Illegal"
	Note string         `json:"note,omitempty"`
	Ops  []historyEntry `json:"ops"`
}

type historyEntry struct {
	Client int      `json:"client"`
	Input  kvInput  `json:"input"`
	Output kvOutput `json:"output"`
	Call   int64    `json:"call"`
	Return int64    `json:"return"`
}

func saveHistory(path string, ops []porcupine.Operation, verdict porcupine.CheckResult) error {
	f := historyFile{Want: string(verdict)}
	for _, op := range ops {
		f.Ops = append(f.Ops, historyEntry{Client: op.ClientId, Input: op.Input.(kvInput), Output: op.Output.(kvOutput), Call: op.Call, Return: op.Return})
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func loadHistory(path string) (historyFile, []porcupine.Operation, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return historyFile{}, nil, err
	}
	var f historyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return f, nil, fmt.Errorf("%s: %w", path, err)
	}
	ops := make([]porcupine.Operation, len(f.Ops))
	for i, e := range f.Ops {
		ops[i] = porcupine.Operation{ClientId: e.Client, Input: e.Input, Output: e.Output, Call: e.Call, Return: e.Return}
	}
	return f, ops, nil
}
