package bundle

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPlainProgressLines(t *testing.T) {
	var out bytes.Buffer
	p := NewProgress(&out, false)
	p.Start("verify b", 10<<20)
	for range 10 {
		p.Add(1 << 20)
	}
	p.Done(nil)
	p.Start("install b", 100)
	p.Add(40)
	p.Done(errors.New("refused"))
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		// Lines at each tenth depend on timing; the others do not.
		if !strings.Contains(l, "%") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 4 || lines[0] != "verify b: 10.0 MiB" || !strings.HasPrefix(lines[1], "verify b: done, 10.0 MiB in ") ||
		lines[2] != "install b: 100 B" || lines[3] != "install b: stopped after 40 B" {
		t.Fatalf("progress lines:\n%s", out.String())
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 29: "1.5 GiB"} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
