package chaos

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// A link is the direction from one node to another (indexes into the
// cluster's nodes).
type link struct{ from, to int }

// linkRule is what the proxies do to the bytes of one direction.
type linkRule struct {
	drop  bool          // discard them (a one-way drop; both ways and new connections refused is a cut)
	delay time.Duration // deliver them this much later
}

// proxy is the fault proxy in front of one node's Raft port: the address
// the node advertises, so every peer's Raft and node-to-node traffic to it
// passes here. It finds which node dialed each connection by the process
// that owns the other end of the socket (/proc), so that it can apply the
// rules of both directions of that link.
type proxy struct {
	f      *faults
	target int
	ln     net.Listener
	dest   string // the node's real Raft address
}

// faults holds the rules of every link and the proxies that apply them.
type faults struct {
	pids func() []int // the node processes' ids, by node index

	mu    sync.Mutex
	rules map[link]linkRule
	conns map[*proxied]struct{}
	stats proxyStats
}

// proxyStats counts what the proxies did, to show the faults were real.
type proxyStats struct {
	Conns        int // connections accepted
	Unidentified int // of which the dialing node was not found
	Refused      int // refused by a cut
	Dropped      int // bytes discarded
	Delayed      int // chunks delivered late
}

func (f *faults) counts() proxyStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

func newFaults(pids func() []int) *faults {
	return &faults{pids: pids, rules: map[link]linkRule{}, conns: map[*proxied]struct{}{}}
}

func (f *faults) rule(l link) linkRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rules[l]
}

// set replaces the rule of one direction; a drop closes nothing (the
// bytes vanish), a cut (cut) closes the connections too.
func (f *faults) set(l link, r linkRule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r == (linkRule{}) {
		delete(f.rules, l)
	} else {
		f.rules[l] = r
	}
}

// cut drops both directions between a and b and closes their open
// connections; new ones are refused until heal.
func (f *faults) cut(a, b int) {
	f.set(link{a, b}, linkRule{drop: true})
	f.set(link{b, a}, linkRule{drop: true})
	f.mu.Lock()
	var open []*proxied
	for c := range f.conns {
		if (c.origin == a && c.target == b) || (c.origin == b && c.target == a) {
			open = append(open, c)
		}
	}
	f.mu.Unlock()
	for _, c := range open {
		c.close()
	}
}

// heal removes every rule.
func (f *faults) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = map[link]linkRule{}
}

func (f *faults) closeAll() {
	f.mu.Lock()
	var open []*proxied
	for c := range f.conns {
		open = append(open, c)
	}
	f.mu.Unlock()
	for _, c := range open {
		c.close()
	}
}

func startProxy(f *faults, target int, dest string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{f: f, target: target, ln: ln, dest: dest}
	go p.serve()
	return p, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) close() { p.ln.Close() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

// proxied is one connection through a proxy.
type proxied struct {
	origin, target int
	in, out        net.Conn
	once           sync.Once
}

func (c *proxied) close() {
	c.once.Do(func() {
		c.in.Close()
		if c.out != nil {
			c.out.Close()
		}
	})
}

func (p *proxy) handle(in net.Conn) {
	origin := p.f.originOf(in.RemoteAddr().(*net.TCPAddr), p.ln.Addr().(*net.TCPAddr))
	cut := origin >= 0 && p.f.rule(link{origin, p.target}).drop && p.f.rule(link{p.target, origin}).drop
	p.f.mu.Lock()
	p.f.stats.Conns++
	if origin < 0 {
		p.f.stats.Unidentified++
	}
	if cut {
		p.f.stats.Refused++
	}
	p.f.mu.Unlock()
	if cut {
		in.Close()
		return
	}
	out, err := net.DialTimeout("tcp", p.dest, 2*time.Second)
	if err != nil {
		in.Close()
		return
	}
	c := &proxied{origin: origin, target: p.target, in: in, out: out}
	p.f.mu.Lock()
	p.f.conns[c] = struct{}{}
	p.f.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.f.pipe(c, link{origin, p.target}, in, out) }()
	go func() { defer wg.Done(); p.f.pipe(c, link{p.target, origin}, out, in) }()
	wg.Wait()
	p.f.mu.Lock()
	delete(p.f.conns, c)
	p.f.mu.Unlock()
}

type chunk struct {
	data []byte
	due  time.Time
}

// pipe copies src to dst under the rule of l, read for every chunk: a
// dropped chunk is discarded, a delayed one is written when due, in order.
func (f *faults) pipe(c *proxied, l link, src io.Reader, dst io.Writer) {
	defer c.close()
	queue := make(chan chunk, 4096)
	go func() {
		defer c.close()
		for ch := range queue {
			if d := time.Until(ch.due); d > 0 {
				time.Sleep(d)
			}
			if _, err := dst.Write(ch.data); err != nil {
				for range queue {
				}
				return
			}
		}
	}()
	defer close(queue)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			r := linkRule{}
			if l.from >= 0 && l.to >= 0 {
				r = f.rule(l)
			}
			switch {
			case r.drop:
				f.count(func(s *proxyStats) { s.Dropped += n })
			default:
				if r.delay > 0 {
					f.count(func(s *proxyStats) { s.Delayed++ })
				}
				queue <- chunk{data: append([]byte(nil), buf[:n]...), due: time.Now().Add(r.delay)}
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *faults) count(add func(*proxyStats)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	add(&f.stats)
}

// originOf finds the node whose process owns the socket at remote (the
// dialer's end of a connection to local), or -1.
func (f *faults) originOf(remote, local *net.TCPAddr) int {
	inode := socketInode(remote, local)
	if inode == "" {
		return -1
	}
	want := "socket:[" + inode + "]"
	for i, pid := range f.pids() {
		if pid <= 0 {
			continue
		}
		fds := fmt.Sprintf("/proc/%d/fd", pid)
		entries, err := os.ReadDir(fds)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if target, err := os.Readlink(fds + "/" + e.Name()); err == nil && target == want {
				return i
			}
		}
	}
	return -1
}

// socketInode reads /proc/net/tcp for the socket whose local end is
// remote and whose peer is local.
func socketInode(remote, local *net.TCPAddr) string {
	file, err := os.Open("/proc/net/tcp")
	if err != nil {
		return ""
	}
	defer file.Close()
	want := hexAddr(remote) + " " + hexAddr(local)
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		if fields[1]+" "+fields[2] == want {
			return fields[9]
		}
	}
	return ""
}

// hexAddr writes an IPv4 address and port as /proc/net/tcp does.
func hexAddr(a *net.TCPAddr) string {
	ip := a.IP.To4()
	if ip == nil {
		return ""
	}
	return fmt.Sprintf("%02X%02X%02X%02X:%04X", ip[3], ip[2], ip[1], ip[0], a.Port)
}
