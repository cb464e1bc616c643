package storage

import (
	"bytes"
	"reflect"
	"testing"
)

func TestCommandRoundTrip(t *testing.T) {
	for _, c := range []Command{
		Put(BucketUsers, []byte("k"), []byte("v")),
		Put(BucketUsers, []byte("k"), nil),
		Create(BucketUsers, []byte("id"), []byte(`{"a":1}`)),
		Delete(BucketUsers, []byte("k")),
		{Op: OpPut, Bucket: BucketUsers, Key: []byte("k"), Value: []byte("v"), Expect: 42},
		Batch(Put(BucketUsers, []byte("a"), []byte("1")), Delete(BucketUsers, []byte("b"))),
		Batch(),
		AuditAppend(AuditEntry{Actor: "a", Action: "x"}),
		Batch(Put(BucketTopology, []byte("k"), []byte("v")), AuditAppend(AuditEntry{Action: "y"})),
	} {
		got, err := DecodeCommand(c.Encode())
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		if !sameCommand(got, c) {
			t.Fatalf("round trip: %+v -> %+v", c, got)
		}
	}
}

func sameCommand(a, b Command) bool {
	if a.Op != b.Op || a.Expect != b.Expect || !bytes.Equal(a.Bucket, b.Bucket) || !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) || len(a.Ops) != len(b.Ops) {
		return false
	}
	for i := range a.Ops {
		if !sameCommand(a.Ops[i], b.Ops[i]) {
			return false
		}
	}
	return true
}

func TestDecodeRefusesUnknownFormat(t *testing.T) {
	b := Put(BucketUsers, []byte("k"), []byte("v")).Encode()
	b[0] = 2
	if _, err := DecodeCommand(b); err == nil {
		t.Fatal("a command of an unknown format was decoded")
	}
}

// FuzzDecodeCommand: decoding never panics, and whatever decodes encodes
// back to a command that decodes to the same thing.
func FuzzDecodeCommand(f *testing.F) {
	f.Add(Put(BucketUsers, []byte("k"), []byte("v")).Encode())
	f.Add(Batch(Put(BucketUsers, []byte("a"), []byte("1")), Delete(BucketUsers, []byte("b"))).Encode())
	f.Add(Create(BucketUsers, []byte("id"), []byte("{}")).Encode())
	f.Add([]byte{1, 3, 255, 255, 255, 255, 15})
	f.Add(Batch(Put(BucketUsers, []byte("a"), []byte("1")), AuditAppend(AuditEntry{Action: "x"})).Encode())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeCommand(data)
		if err != nil {
			return
		}
		again, err := DecodeCommand(c.Encode())
		if err != nil {
			t.Fatalf("re-encoded command does not decode: %v", err)
		}
		if !reflect.DeepEqual(normal(again), normal(c)) {
			t.Fatalf("round trip changed the command: %+v -> %+v", c, again)
		}
	})
}

// normal makes empty and nil slices alike for comparison.
func normal(c Command) Command {
	if len(c.Bucket) == 0 {
		c.Bucket = nil
	}
	if len(c.Key) == 0 {
		c.Key = nil
	}
	if len(c.Value) == 0 {
		c.Value = nil
	}
	if len(c.Ops) == 0 {
		c.Ops = nil
	}
	for i := range c.Ops {
		c.Ops[i] = normal(c.Ops[i])
	}
	return c
}
