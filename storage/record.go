package storage

import (
	"encoding/binary"
	"fmt"
)

// Record is a stored value with the Raft indexes that created and last
// changed it and the number of puts it has seen since it was created. A
// command replayed after a crash would raise Version; it never does, because
// ApplyBatch skips what the file says it already applied.
type Record struct {
	Value       []byte
	CreateIndex uint64
	ModIndex    uint64
	Version     uint64
}

const recordHeader = 24

func (r Record) encode() []byte {
	b := make([]byte, recordHeader+len(r.Value))
	binary.BigEndian.PutUint64(b[0:], r.CreateIndex)
	binary.BigEndian.PutUint64(b[8:], r.ModIndex)
	binary.BigEndian.PutUint64(b[16:], r.Version)
	copy(b[recordHeader:], r.Value)
	return b
}

// decodeRecord copies b, which belongs to a bbolt transaction.
func decodeRecord(b []byte) (Record, error) {
	if len(b) < recordHeader {
		return Record{}, fmt.Errorf("record of %d bytes is shorter than its %d-byte header", len(b), recordHeader)
	}
	return Record{
		CreateIndex: binary.BigEndian.Uint64(b[0:]),
		ModIndex:    binary.BigEndian.Uint64(b[8:]),
		Version:     binary.BigEndian.Uint64(b[16:]),
		Value:       append([]byte(nil), b[recordHeader:]...),
	}, nil
}
