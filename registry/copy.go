package registry

import (
	"io"
	"net/http"
	"sync"
)

// copyBufSize is the chunk a blob is read from its file and handed to TLS
// in: net/http's own 32 KiB makes eight times the read system calls for no
// gain in memory that matters (a pull holds two chunks only while its blob
// is being sent: 50 pulls at once hold 25 MiB).
const copyBufSize = 256 << 10

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// bigCopies is a ResponseWriter whose ReadFrom, which http.ServeContent
// sends the file through, copies in copyBufSize chunks: the next chunk is
// read from the file while the last one is encrypted and sent, so a layer
// not in the page cache costs the disk's time or the network's, not their
// sum; and each chunk goes to TLS with the connection corked (cork.go)
// when it can be.
type bigCopies struct {
	http.ResponseWriter
	cork *corkConn
}

// chunk is one read of the file: its bytes (a pooled buffer) and the
// read's error.
type chunk struct {
	buf *[]byte
	n   int
	err error
}

func (w bigCopies) ReadFrom(r io.Reader) (int64, error) {
	if w.cork != nil {
		defer w.cork.release()
	}
	// Two buffers in turn: the reader fills one while this goroutine sends
	// the other; done stops the reader early when sending fails.
	full := make(chan chunk)
	done := make(chan struct{})
	defer close(done)
	go readAhead(r, full, done)

	var sent int64
	for c := range full {
		if c.n > 0 {
			m, err := w.send((*c.buf)[:c.n])
			copyBufs.Put(c.buf)
			sent += int64(m)
			if err != nil {
				return sent, err
			}
		} else if c.buf != nil {
			copyBufs.Put(c.buf)
		}
		if c.err == io.EOF {
			return sent, nil
		}
		if c.err != nil {
			return sent, c.err
		}
	}
	return sent, nil
}

// readAhead reads r in chunks into full until the end, an error, or done.
func readAhead(r io.Reader, full chan<- chunk, done <-chan struct{}) {
	defer close(full)
	for {
		bp := copyBufs.Get().(*[]byte)
		n, err := io.ReadFull(r, *bp)
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case full <- chunk{bp, n, err}:
		case <-done:
			copyBufs.Put(bp)
			return
		}
		if err != nil {
			return
		}
	}
}

// send writes p to the response, corked when the connection allows.
func (w bigCopies) send(p []byte) (int, error) {
	if w.cork == nil {
		return w.ResponseWriter.Write(p)
	}
	w.cork.cork()
	n, err := w.ResponseWriter.Write(p)
	if uerr := w.cork.uncork(); err == nil {
		err = uerr
	}
	return n, err
}
