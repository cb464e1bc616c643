package registry

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
)

// TLS writes a blob as records of at most 16 KiB, each a system call of its
// own on the connection beneath. While a blob's chunk is handed to TLS, the
// connection is corked: the records gather in memory and leave in one write
// per chunk (copyBufSize, so 16 times fewer system calls), which is most of
// what serving a layer costs besides the encryption.

// Listen wraps ln, whose connections serve the registry over TLS with base
// (the node's HTTPS configuration), so that blobs leave corked.
func Listen(ln net.Listener, base *tls.Config) net.Listener {
	return tls.NewListener(corkListener{ln}, TLSConfig(base))
}

type corkListener struct{ net.Listener }

func (l corkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &corkConn{Conn: c}, nil
}

// corkConn passes writes through unless corked; corked writes gather in buf
// until uncork sends them as one.
type corkConn struct {
	net.Conn
	mu     sync.Mutex
	corked bool
	buf    []byte
}

func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.corked {
		return c.Conn.Write(p)
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func (c *corkConn) cork() {
	c.mu.Lock()
	c.corked = true
	if c.buf == nil {
		// A chunk and its records' headers and tags (29 bytes per 16 KiB).
		c.buf = make([]byte, 0, copyBufSize+copyBufSize/256)
	}
	c.mu.Unlock()
}

// uncork sends what gathered and lets writes through again.
func (c *corkConn) uncork() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

// release drops the gathering buffer once a blob is sent, so an idle
// connection holds none.
func (c *corkConn) release() {
	c.mu.Lock()
	if !c.corked {
		c.buf = nil
	}
	c.mu.Unlock()
}

type corkKey struct{}

// withCork is the http.Server's ConnContext: it records the connection
// beneath TLS for the blob handler.
func withCork(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		if cc, ok := tc.NetConn().(*corkConn); ok {
			return context.WithValue(ctx, corkKey{}, cc)
		}
	}
	return ctx
}

// corkOf is the corkable connection a request came on, or nil.
func corkOf(ctx context.Context) *corkConn {
	cc, _ := ctx.Value(corkKey{}).(*corkConn)
	return cc
}
