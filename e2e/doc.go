// Package e2e holds the tests that run the sovereign binary as operators
// do: real processes on loopback, one node or a region's three, started,
// stopped, killed with SIGKILL, restored from snapshots, driven through
// the command line and the API. The binary is built once per run (or
// taken from SOVEREIGN_BIN); there is no code here but tests.
package e2e
