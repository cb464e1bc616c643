package cmd

import (
	"bytes"
	"testing"
)

// run runs the command line in this process, as main would, and returns
// its exit code and what it printed.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(Build{Version: "test"}, args, &o, &e)
	return code, o.String(), e.String()
}
