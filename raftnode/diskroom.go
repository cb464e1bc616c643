package raftnode

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// ErrDiskFull: the leader refused a write because the disk of its data
// directory is nearly full. Nothing reached the log.
var ErrDiskFull = errors.New("the leader's disk is nearly full, so the write was refused and nothing changed; free space in its data directory, and writes resume by themselves")

// minFreeBytes is the room a leader keeps before it proposes a write: a
// new log segment (raft-wal reserves a whole one when it starts it) and
// one step of the state file's growth (bbolt grows a large file 16 MiB at
// a time). An entry the log takes but the state cannot apply would stall
// the apply loop, and with it every linearizable read, until space
// returns; refusing first keeps reads working on a full disk.
const minFreeBytes = segmentSize + 16<<20

// diskRoom answers whether the disk under dir has minFreeBytes free. It
// asks the kernel for every entry proposed (one statfs, a microsecond or
// two; under load an entry carries many writes): a cached answer would let
// the first writes after the disk filled through.
type diskRoom struct{ dir string }

func (d diskRoom) check() error {
	var st unix.Statfs_t
	if err := unix.Statfs(d.dir, &st); err != nil {
		return nil // an unknown amount of room is not a refusal
	}
	if free := st.Bavail * uint64(st.Bsize); free < minFreeBytes {
		return fmt.Errorf("%w (%d MiB free in %s, a write needs %d MiB kept free)", ErrDiskFull, free>>20, d.dir, minFreeBytes>>20)
	}
	return nil
}
