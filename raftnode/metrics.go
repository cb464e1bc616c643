package raftnode

import (
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the node's Prometheus series. Gauges are read when scraped,
// so they cost nothing between scrapes.
type metrics struct {
	reg        prometheus.Registerer
	collectors []prometheus.Collector
	apply      *prometheus.HistogramVec
}

func newMetrics(n *Node, reg prometheus.Registerer) *metrics {
	m := &metrics{reg: reg}
	m.apply = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "sovereign_raft_apply_duration_seconds",
		Help:    "Time from proposing a command to its being applied on this node.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	}, []string{"result"})
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	m.collectors = []prometheus.Collector{
		m.apply,
		gauge("sovereign_raft_state", "Raft state: 0 follower, 1 candidate, 2 leader, 3 shutdown.",
			func() float64 { return float64(n.raft.State()) }),
		gauge("sovereign_raft_is_leader", "1 when this node leads its cluster.",
			func() float64 {
				if n.raft.State() == raft.Leader {
					return 1
				}
				return 0
			}),
		gauge("sovereign_raft_term", "Current Raft term.", func() float64 { return float64(n.raft.CurrentTerm()) }),
		gauge("sovereign_raft_commit_index", "Highest log index known to be committed.", func() float64 { return float64(n.raft.CommitIndex()) }),
		gauge("sovereign_raft_applied_index", "Highest log index applied to the state file.", func() float64 { return float64(n.raft.AppliedIndex()) }),
		gauge("sovereign_raft_last_index", "Highest index in the local log.", func() float64 { return float64(n.raft.LastIndex()) }),
		gauge("sovereign_storage_bytes", "Size of the state file's used pages.", func() float64 { return float64(n.fsm.Size()) }),
	}
	if reg != nil {
		for _, c := range m.collectors {
			reg.MustRegister(c)
		}
	}
	return m
}

func (m *metrics) observeApply(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.apply.WithLabelValues(result).Observe(d.Seconds())
}

func (m *metrics) unregister() {
	if m == nil || m.reg == nil {
		return
	}
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}
