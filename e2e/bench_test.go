package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkStartToReady measures the time from starting `sovereign serve`
// on an existing data directory (holding a cluster and its administrator)
// to the first 200 from /readyz, and reports the idle resident memory and
// the binary's size beside it.
func BenchmarkStartToReady(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "data")
	first := startServe(b, dir)
	first.waitReady(b)
	first.stop(b)

	var rssKB int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := startServe(b, dir)
		p.waitReady(b)
		b.StopTimer()
		if i == 0 {
			time.Sleep(2 * time.Second) // let start-up garbage be collected
			rssKB = vmRSS(b, p.cmd.Process.Pid)
		}
		p.stop(b)
		b.StartTimer()
	}
	b.ReportMetric(float64(rssKB)/1024, "idle-RSS-MB")
	if st, err := os.Stat(binary); err == nil {
		b.ReportMetric(float64(st.Size())/(1<<20), "binary-MB")
	}
}

func vmRSS(b *testing.B, pid int) int64 { return procKB(b, pid, "VmRSS") }
