package chaos

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// A fault the nemesis injects and then ends; each holds for a bounded
// time, and one runs at a time, so a majority can always come back.
type fault struct {
	name  string
	start func(c *cluster, rnd *rand.Rand) (what string, end func() error)
}

var faultKinds = []fault{
	{"kill", func(c *cluster, rnd *rand.Rand) (string, func() error) {
		n := c.nodes[rnd.IntN(len(c.nodes))]
		c.kill9(n)
		return "kill -9 " + n.name, func() error { return c.restart(n) }
	}},
	{"pause", func(c *cluster, rnd *rand.Rand) (string, func() error) {
		n := c.nodes[rnd.IntN(len(c.nodes))]
		c.pause(n)
		return "SIGSTOP " + n.name, func() error { c.resume(n); return nil }
	}},
	{"isolate", func(c *cluster, rnd *rand.Rand) (string, func() error) {
		i := rnd.IntN(len(c.nodes))
		for j := range c.nodes {
			if j != i {
				c.faults.cut(i, j)
			}
		}
		return "cut " + c.nodes[i].name + " from the others", func() error { c.faults.heal(); return nil }
	}},
	{"cut-link", func(c *cluster, rnd *rand.Rand) (string, func() error) {
		i := rnd.IntN(len(c.nodes))
		j := (i + 1 + rnd.IntN(len(c.nodes)-1)) % len(c.nodes)
		c.faults.cut(i, j)
		return fmt.Sprintf("cut %s-%s", c.nodes[i].name, c.nodes[j].name), func() error { c.faults.heal(); return nil }
	}},
	{"one-way", func(c *cluster, rnd *rand.Rand) (string, func() error) {
		i := rnd.IntN(len(c.nodes))
		for j := range c.nodes {
			if j != i {
				c.faults.set(link{i, j}, linkRule{drop: true})
			}
		}
		return "drop everything " + c.nodes[i].name + " sends", func() error { c.faults.heal(); return nil }
	}},
	{"delay", func(c *cluster, rnd *rand.Rand) (string, func() error) {
		d := time.Duration(20+rnd.IntN(180)) * time.Millisecond
		for i := range c.nodes {
			for j := range c.nodes {
				if i != j {
					c.faults.set(link{i, j}, linkRule{delay: d + time.Duration(rnd.IntN(20))*time.Millisecond})
				}
			}
		}
		return fmt.Sprintf("delay every link ~%s", d), func() error { c.faults.heal(); return nil }
	}},
}

// nemesis injects random faults until ctx ends, then ends the last one;
// it logs what it did.
type nemesis struct {
	c   *cluster
	rnd *rand.Rand
	h   *history

	mu  sync.Mutex
	log []string
}

func (n *nemesis) note(format string, args ...any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.log = append(n.log, fmt.Sprintf("%8.3fs ", float64(n.h.now())/1e9)+fmt.Sprintf(format, args...))
}

func (n *nemesis) run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Duration(300+n.rnd.IntN(1200)) * time.Millisecond):
		}
		f := faultKinds[n.rnd.IntN(len(faultKinds))]
		what, end := f.start(n.c, n.rnd)
		n.note("%s", what)
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(500+n.rnd.IntN(2500)) * time.Millisecond):
		}
		if err := end(); err != nil {
			return fmt.Errorf("end %s: %w", what, err)
		}
		n.note("end %s", what)
	}
}
