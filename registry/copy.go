package registry

import (
	"io"
	"net/http"
	"sync"
)

// copyBufSize is the chunk a blob is read from its file and handed to TLS
// in: net/http's own 32 KiB makes three times the read system calls for
// no gain in memory that matters (a buffer is held only while a blob is
// being sent: 50 pulls at once hold 12.5 MiB).
const copyBufSize = 256 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// bigCopies is a ResponseWriter whose ReadFrom, which http.ServeContent
// sends the file through, copies in copyBufSize chunks.
type bigCopies struct{ http.ResponseWriter }

func (w bigCopies) ReadFrom(r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	return io.CopyBuffer(writerOnly{w.ResponseWriter}, r, *bp)
}

// writerOnly hides the ResponseWriter's own ReadFrom from io.CopyBuffer.
type writerOnly struct{ io.Writer }
