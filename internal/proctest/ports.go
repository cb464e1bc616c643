package proctest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Ports are picked below the kernel's ephemeral range, so that no
// outgoing connection of any test takes a port between the moment it is
// picked and the moment a node binds it (or binds it again after a
// restart). A lock file held for the life of the test process keeps two
// test processes running at once from picking the same port.
var (
	portsMu   sync.Mutex
	portLocks []*os.File // held open until the process exits
)

// FreePort returns a loopback address whose port nothing listens on and
// no other test process of this machine will hand out while this one
// runs.
func FreePort() (string, error) {
	lo, hi := pickRange()
	dir := filepath.Join(os.TempDir(), "sovereign-test-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 1000 {
		port := lo + rand.IntN(hi-lo)
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			return "", err
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // another test process holds it
			continue
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			f.Close()
			continue
		}
		l.Close()
		portLocks = append(portLocks, f)
		return addr, nil
	}
	return "", fmt.Errorf("no free loopback port in %d-%d", lo, hi)
}

// pickRange is the range FreePort picks from: the ports below the
// kernel's ephemeral range, above the well-known ones.
func pickRange() (lo, hi int) {
	lo, hi = 10000, 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return lo, hi
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return lo, hi
	}
	if first, err := strconv.Atoi(f[0]); err == nil && first > lo+1000 {
		hi = first
	}
	return lo, hi
}
