package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// commandFormat is the version of the command encoding. A node refuses a
// command whose format it does not know rather than guessing at it, so a
// newer leader cannot silently corrupt an older follower.
const commandFormat = 1

// Op names what a command does. New operations are appended, never
// renumbered: the numbers are written into every Raft log.
type Op uint8

const (
	// OpPut writes Value under Key in Bucket.
	OpPut Op = 1
	// OpDelete removes Key from Bucket; deleting a missing key is not an error.
	OpDelete Op = 2
	// OpBatch applies Ops atomically: all of them or none.
	OpBatch Op = 3
	// OpAuditAppend appends the audit entry in Value to the audit trail;
	// the state machine gives it its number and chain hash (audit.go).
	OpAuditAppend Op = 4
	// OpKVPut to OpKVCompact change the revisioned key space behind the
	// etcd API (mvcc_command.go).
	OpKVPut         Op = 10
	OpKVCreate      Op = 11
	OpKVUpdate      Op = 12
	OpKVDelete      Op = 13
	OpKVDeleteRange Op = 14
	OpKVCompact     Op = 15
	OpKVMulti       Op = 16
)

func (o Op) String() string {
	switch o {
	case OpPut:
		return "put"
	case OpDelete:
		return "delete"
	case OpBatch:
		return "batch"
	case OpAuditAppend:
		return "audit-append"
	}
	if name, ok := kvOpNames[o]; ok {
		return name
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// AnyVersion disables the version check of a put or delete.
const AnyVersion int64 = -1

// Command is one change to the state machine. Commands are typed by Op and
// carried through the Raft log in the binary form of Encode.
type Command struct {
	Op     Op
	Bucket []byte
	Key    []byte
	Value  []byte
	// Expect is the version the record must have for the command to apply:
	// AnyVersion for no check, 0 for "must not exist", n for "must be at n".
	Expect int64
	// Ops are the commands of an OpBatch; they may not nest.
	Ops []Command
	// End and Lease belong to the key-space ops (mvcc_command.go).
	End   []byte
	Lease int64
}

// Put returns a command that writes value under key, whatever is there.
func Put(bucket, key, value []byte) Command {
	return Command{Op: OpPut, Bucket: bucket, Key: key, Value: value, Expect: AnyVersion}
}

// Create returns a command that writes value under key only if the key is absent.
func Create(bucket, key, value []byte) Command {
	return Command{Op: OpPut, Bucket: bucket, Key: key, Value: value, Expect: 0}
}

// Delete returns a command that removes key.
func Delete(bucket, key []byte) Command {
	return Command{Op: OpDelete, Bucket: bucket, Key: key, Expect: AnyVersion}
}

// Batch returns a command that applies cmds atomically.
func Batch(cmds ...Command) Command {
	return Command{Op: OpBatch, Ops: cmds}
}

// Errors a command can be refused with. They are returned in Result.Err and
// leave the state unchanged.
var (
	ErrBadCommand      = errors.New("malformed command")
	ErrUnknownBucket   = errors.New("unknown bucket")
	ErrVersionConflict = errors.New("version conflict")
)

// Encode returns the command's log form:
//
//	format(1) op(1) then, per op:
//	  put/delete: uvarint(expect+1) bytes(bucket) bytes(key) [bytes(value)]
//	  batch:      uvarint(n) n × bytes(encoded command)
//	  audit-append: bytes(value)
//	  key space:  see appendKV
//
// where bytes(x) is uvarint(len(x)) followed by x.
func (c Command) Encode() []byte {
	buf := make([]byte, 0, 16+len(c.Bucket)+len(c.Key)+len(c.Value))
	buf = append(buf, commandFormat)
	return c.appendBody(buf)
}

func (c Command) appendBody(buf []byte) []byte {
	buf = append(buf, byte(c.Op))
	switch c.Op {
	case OpPut, OpDelete:
		buf = binary.AppendUvarint(buf, uint64(c.Expect+1))
		buf = appendBytes(buf, c.Bucket)
		buf = appendBytes(buf, c.Key)
		if c.Op == OpPut {
			buf = appendBytes(buf, c.Value)
		}
	case OpBatch:
		buf = binary.AppendUvarint(buf, uint64(len(c.Ops)))
		for _, op := range c.Ops {
			buf = op.appendBody(buf)
		}
	case OpAuditAppend:
		buf = appendBytes(buf, c.Value)
	default:
		buf = c.appendKV(buf)
	}
	return buf
}

func appendBytes(buf, b []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(b)))
	return append(buf, b...)
}

// DecodeCommand reads a command written by Encode. The returned slices alias b.
func DecodeCommand(b []byte) (Command, error) {
	if len(b) == 0 {
		return Command{}, fmt.Errorf("%w: empty", ErrBadCommand)
	}
	if b[0] != commandFormat {
		return Command{}, fmt.Errorf("%w: format %d is not known to this version of sovereign (knows %d); upgrade this node", ErrBadCommand, b[0], commandFormat)
	}
	d := decoder{b: b[1:]}
	c := d.command(true)
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return Command{}, fmt.Errorf("%w: %v", ErrBadCommand, d.err)
	}
	return c, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) command(top bool) Command {
	var c Command
	c.Op = Op(d.byte())
	switch c.Op {
	case OpPut, OpDelete:
		c.Expect = int64(d.uvarint()) - 1
		c.Bucket = d.bytes()
		c.Key = d.bytes()
		if c.Op == OpPut {
			c.Value = d.bytes()
		}
	case OpBatch:
		if !top {
			d.fail("nested batch")
			return c
		}
		n := d.uvarint()
		if n > uint64(len(d.b)) { // every op takes at least one byte
			d.fail("batch length %d exceeds the command", n)
			return c
		}
		c.Ops = make([]Command, 0, n)
		for i := uint64(0); i < n && d.err == nil; i++ {
			c.Ops = append(c.Ops, d.command(false))
		}
	case OpAuditAppend:
		c.Bucket = BucketAudit
		c.Value = d.bytes()
	default:
		if !top || !c.Op.isKV() {
			d.fail("unknown op %d", uint8(c.Op))
			return c
		}
		d.kv(&c)
	}
	return c
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail("truncated")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.fail("field length %d exceeds the command", n)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}
