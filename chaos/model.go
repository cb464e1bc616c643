package chaos

import (
	"fmt"
	"sort"

	"github.com/anishathalye/porcupine"
)

// The key-value model the histories are checked against. Every write
// writes a value no other write writes, so a compare of mod revisions (the
// Kubernetes compare-and-swap) is a compare of values: the revision a
// client read names the value it read.

type opKind int

const (
	opGet opKind = iota
	opPut
	opDelete
	opCAS // if the key holds expect (absent when !expectSet) then put value, else get
)

func (k opKind) String() string { return [...]string{"get", "put", "delete", "cas"}[k] }

type kvInput struct {
	Kind      opKind
	Key       string
	Value     string // put, cas
	Expect    string // cas
	ExpectSet bool   // cas: false when the key was read absent
}

type kvOutput struct {
	Unknown bool   // the outcome is not known: it may take effect at any later time
	Found   bool   // get: the key exists; delete: a key was deleted; cas (failed): the key exists
	Value   string // get; cas (failed): the value read by the else branch
	OK      bool   // cas: the compare held
}

// kvState is one key's value.
type kvState struct {
	Exists bool
	Value  string
}

// kvModel partitions by key, so each key is checked on its own.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(kvInput).Key
			byKey[k] = append(byKey[k], op)
		}
		keys := make([]string, 0, len(byKey))
		for k := range byKey {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return kvState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(kvState), input.(kvInput), output.(kvOutput)
		switch in.Kind {
		case opGet:
			return out.Found == s.Exists && (!s.Exists || out.Value == s.Value), s
		case opPut:
			return true, kvState{Exists: true, Value: in.Value}
		case opDelete:
			if out.Unknown {
				return true, kvState{}
			}
			return out.Found == s.Exists, kvState{}
		case opCAS:
			holds := in.ExpectSet == s.Exists && (!s.Exists || in.Expect == s.Value)
			next := s
			if holds {
				next = kvState{Exists: true, Value: in.Value}
			}
			if out.Unknown {
				return true, next
			}
			if out.OK != holds {
				return false, s
			}
			if !holds && (out.Found != s.Exists || (s.Exists && out.Value != s.Value)) {
				return false, s
			}
			return true, next
		}
		return false, s
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(kvInput), output.(kvOutput)
		res := ""
		switch {
		case out.Unknown:
			res = "unknown"
		case in.Kind == opGet && !out.Found:
			res = "absent"
		case in.Kind == opGet:
			res = out.Value
		case in.Kind == opDelete:
			res = fmt.Sprint(out.Found)
		case in.Kind == opCAS && out.OK:
			res = "ok"
		case in.Kind == opCAS:
			res = "failed, holds " + describeValue(out.Found, out.Value)
		default:
			res = "ok"
		}
		switch in.Kind {
		case opPut:
			return fmt.Sprintf("put(%s, %s) -> %s", in.Key, in.Value, res)
		case opCAS:
			return fmt.Sprintf("cas(%s, %s -> %s) -> %s", in.Key, describeValue(in.ExpectSet, in.Expect), in.Value, res)
		default:
			return fmt.Sprintf("%s(%s) -> %s", in.Kind, in.Key, res)
		}
	},
	DescribeState: func(state any) string {
		s := state.(kvState)
		return describeValue(s.Exists, s.Value)
	},
}

func describeValue(exists bool, v string) string {
	if !exists {
		return "absent"
	}
	return v
}
