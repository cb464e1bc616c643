package storage

import "encoding/binary"

// The commands of the revisioned key space. Each is checked and applied
// by the state machine in one step, so a compare-and-swap never becomes a
// read on one node followed by a write on another.

var kvOpNames = map[Op]string{
	OpKVPut:         "kv-put",
	OpKVCreate:      "kv-create",
	OpKVUpdate:      "kv-update",
	OpKVDelete:      "kv-delete",
	OpKVDeleteRange: "kv-delete-range",
	OpKVCompact:     "kv-compact",
	OpKVMulti:       "kv-multi",
}

func (o Op) isKV() bool { _, ok := kvOpNames[o]; return ok }

// KVPut writes value under key whatever is there, one new revision.
func KVPut(key, value []byte, lease int64) Command {
	return Command{Op: OpKVPut, Key: key, Value: value, Lease: lease}
}

// KVCreate writes value under key only if the key does not exist.
func KVCreate(key, value []byte, lease int64) Command {
	return Command{Op: OpKVCreate, Key: key, Value: value, Lease: lease}
}

// KVUpdate writes value under key only if the key's mod revision is modRev.
func KVUpdate(key, value []byte, modRev, lease int64) Command {
	return Command{Op: OpKVUpdate, Key: key, Value: value, Expect: modRev, Lease: lease}
}

// KVDelete deletes key if its mod revision is modRev, or whatever it is
// when modRev is 0.
func KVDelete(key []byte, modRev int64) Command {
	return Command{Op: OpKVDelete, Key: key, Expect: modRev}
}

// KVDeleteRange deletes every key in [key, end); end "\x00" means every
// key from key on. Each deleted key takes its own revision.
func KVDeleteRange(key, end []byte) Command {
	return Command{Op: OpKVDeleteRange, Key: key, End: end}
}

// KVCompact discards the history before revision rev.
func KVCompact(rev int64) Command {
	return Command{Op: OpKVCompact, Expect: rev}
}

// KVMulti carries several key-space commands in one Raft entry, so that
// writes arriving together cost one entry. Each is applied in turn, as if
// alone, and answered on its own (DecodeKVAnswers): a failed compare or a
// refusal of one changes nothing of the others.
func KVMulti(cmds ...Command) Command {
	return Command{Op: OpKVMulti, Ops: cmds}
}

// appendKV writes a key-space op:
//
//	uvarint(expect) bytes(key) bytes(end) bytes(value) uvarint(lease)
//	multi: uvarint(n) n × (op(1) and the op's body as above)
//
// Expect and Lease of a valid command are never negative.
func (c Command) appendKV(buf []byte) []byte {
	if c.Op == OpKVMulti {
		buf = binary.AppendUvarint(buf, uint64(len(c.Ops)))
		for _, op := range c.Ops {
			buf = append(buf, byte(op.Op))
			buf = op.appendKV(buf)
		}
		return buf
	}
	buf = binary.AppendUvarint(buf, uint64(c.Expect))
	buf = appendBytes(buf, c.Key)
	buf = appendBytes(buf, c.End)
	buf = appendBytes(buf, c.Value)
	return binary.AppendUvarint(buf, uint64(c.Lease))
}

func (d *decoder) kv(c *Command) {
	if c.Op == OpKVMulti {
		n := d.uvarint()
		if n > uint64(len(d.b)) { // every op takes at least one byte
			d.fail("multi length %d exceeds the command", n)
			return
		}
		c.Ops = make([]Command, 0, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			op := Command{Op: Op(d.byte())}
			if !op.Op.isKV() || op.Op == OpKVMulti {
				d.fail("op %d inside a key-space multi", uint8(op.Op))
				return
			}
			d.kv(&op)
			c.Ops = append(c.Ops, op)
		}
		return
	}
	expect := d.uvarint()
	c.Key = d.bytes()
	c.End = d.bytes()
	c.Value = d.bytes()
	lease := d.uvarint()
	if expect > 1<<62 || lease > 1<<62 {
		d.fail("revision or lease out of range")
		return
	}
	c.Expect, c.Lease = int64(expect), int64(lease)
}
