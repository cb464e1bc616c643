package chaos

import (
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echo serves on loopback and writes back what it reads.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return ln.Addr().String()
}

// roundTrip sends one byte through conn and waits up to limit for it to
// come back.
func roundTrip(conn net.Conn, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	conn.SetDeadline(start.Add(limit))
	if _, err := conn.Write([]byte{'x'}); err != nil {
		return 0, false
	}
	b := make([]byte, 1)
	if _, err := io.ReadFull(conn, b); err != nil {
		return 0, false
	}
	return time.Since(start), true
}

// This test process plays node 0, dialing node 1 through node 1's proxy:
// the proxy finds the dialer by its process, and applies the rules of
// that link's two directions.
func TestProxyAppliesTheRulesOfTheLinkItFindsByTheDialingProcess(t *testing.T) {
	f := newFaults(func() []int { return []int{os.Getpid(), -1} })
	p, err := startProxy(f, 1, echo(t))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", p.addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	c := dial()
	if _, ok := roundTrip(c, 2*time.Second); !ok {
		t.Fatal("no answer through a healthy link")
	}
	if st := f.counts(); st.Conns != 1 || st.Unidentified != 0 {
		t.Fatalf("the dialer was not found: %+v", st)
	}

	f.set(link{0, 1}, linkRule{delay: 150 * time.Millisecond})
	if d, ok := roundTrip(c, 2*time.Second); !ok || d < 150*time.Millisecond {
		t.Fatalf("delayed link: answer after %s (%v), want at least 150ms", d, ok)
	}
	f.heal()

	f.set(link{1, 0}, linkRule{drop: true}) // only the answers vanish
	if _, ok := roundTrip(c, 300*time.Millisecond); ok {
		t.Fatal("an answer came back over a link dropped one way")
	}
	if st := f.counts(); st.Dropped == 0 {
		t.Fatalf("nothing dropped: %+v", st)
	}
	f.heal()

	f.cut(0, 1)
	b := make([]byte, 1)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Read(b); err == nil {
		t.Fatal("the open connection survived a cut")
	}
	c2 := dial()
	if _, ok := roundTrip(c2, 500*time.Millisecond); ok {
		t.Fatal("a new connection was served across a cut")
	}
	f.heal()
	if _, ok := roundTrip(dial(), 2*time.Second); !ok {
		t.Fatal("no answer after heal")
	}
}
