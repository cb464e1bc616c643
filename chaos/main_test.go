package chaos

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/openova-io/sovereign/internal/proctest"
)

// The defaults are the short version `make test` runs; `make chaos`
// (scripts/chaos.sh) passes longer ones.
var (
	histories = flag.Int("chaos.histories", 3, "histories to record and check")
	duration  = flag.Duration("chaos.duration", 8*time.Second, "length of each history")
	clients   = flag.Int("chaos.clients", 6, "concurrent etcd clients, spread over the three nodes")
	keys      = flag.Int("chaos.keys", 6, "keys each history writes")
	seed      = flag.Uint64("chaos.seed", 0, "seed of the clients and the nemesis (0: from the clock)")
	out       = flag.String("chaos.out", "artifacts", "folder for each history's visualisation and fault log")
	cycles    = flag.Int("chaos.cycles", 3, "crash-loop cycles (all three nodes killed during writes)")
)

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	bin, cleanup, err := proctest.Binary("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	code := m.Run()
	cleanup()
	os.Exit(code)
}
