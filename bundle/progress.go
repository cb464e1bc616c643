package bundle

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress hears how far a long step has come. Add may be called from any
// goroutine.
type Progress interface {
	// Start begins a step of total bytes (0 when unknown).
	Start(step string, total int64)
	Add(n int64)
	// Done ends the current step, with the error that stopped it if any.
	Done(err error)
}

// NoProgress reports nothing.
type NoProgress struct{}

func (NoProgress) Start(string, int64) {}
func (NoProgress) Add(int64)           {}
func (NoProgress) Done(error)          {}

// NewProgress reports to w: a progress bar when w is a terminal, plain
// lines otherwise (at each tenth of the way, at most one every few
// seconds, and at the end), so logs and pipes stay readable.
func NewProgress(w io.Writer, terminal bool) Progress {
	if terminal {
		return &barProgress{w: w}
	}
	return &lineProgress{w: w}
}

type barProgress struct {
	w   io.Writer
	mu  sync.Mutex
	bar *progressbar.ProgressBar
}

func (p *barProgress) Start(step string, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total <= 0 {
		total = -1
	}
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(step),
		progressbar.OptionShowBytes(true),
		progressbar.OptionUseIECUnits(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
	)
}

func (p *barProgress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

func (p *barProgress) Done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		return
	}
	if err == nil {
		p.bar.Finish()
	} else {
		// Leave the bar where it stopped and move off its line, so the
		// error printed next stands alone.
		p.bar.Exit()
		fmt.Fprintln(p.w)
	}
	p.bar = nil
}

type lineProgress struct {
	w     io.Writer
	mu    sync.Mutex
	step  string
	total int64
	done  int64
	next  int64 // the next tenth to report
	start time.Time
	last  time.Time // of the last line
}

// lineInterval is the least time between two plain progress lines.
const lineInterval = 2 * time.Second

func (p *lineProgress) Start(step string, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.step, p.total, p.done, p.next, p.start = step, total, 0, 1, time.Now()
	p.last = p.start
	if total > 0 {
		fmt.Fprintf(p.w, "%s: %s\n", step, FormatSize(total))
	} else {
		fmt.Fprintf(p.w, "%s\n", step)
	}
}

func (p *lineProgress) Add(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if p.total <= 0 {
		return
	}
	if p.next >= 10 || p.done*10 < p.total*p.next {
		return
	}
	for p.next < 10 && p.done*10 >= p.total*p.next {
		p.next++
	}
	if now := time.Now(); now.Sub(p.last) >= lineInterval {
		p.last = now
		fmt.Fprintf(p.w, "%s: %d%% (%s of %s)\n", p.step, p.done*100/p.total, FormatSize(p.done), FormatSize(p.total))
	}
}

func (p *lineProgress) Done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.step == "" {
		return
	}
	if err != nil {
		fmt.Fprintf(p.w, "%s: stopped after %s\n", p.step, FormatSize(p.done))
		p.step = ""
		return
	}
	elapsed := time.Since(p.start)
	rate := ""
	if s := elapsed.Seconds(); s > 0 && p.done > 0 {
		rate = fmt.Sprintf(", %s/s", FormatSize(int64(float64(p.done)/s)))
	}
	fmt.Fprintf(p.w, "%s: done, %s in %s%s\n", p.step, FormatSize(p.done), elapsed.Round(time.Millisecond), rate)
	p.step = ""
}
