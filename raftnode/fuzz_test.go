package raftnode

import (
	"bytes"
	"encoding/pem"
	"strings"
	"testing"
)

// FuzzParseCA: whatever a member (or whoever stands in its place) shows
// as the cluster CA, parseCA never panics, and what it accepts is exactly
// one CA certificate with nothing after it.
func FuzzParseCA(f *testing.F) {
	ca := newTestCA(f)
	other := newTestCA(f)
	node := ca.pki(f, "n1")
	f.Add(ca.cert)
	f.Add(append(append([]byte{}, ca.cert...), other.cert...))
	f.Add(append(append([]byte{}, ca.cert...), "\n\n  \t"...))
	f.Add(append(append([]byte{}, ca.cert...), "junk"...))
	f.Add(pemBlock("CERTIFICATE", node.Cert.Certificate[0]))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCA(data)
		if err != nil {
			return
		}
		block, rest := pem.Decode(data)
		if block == nil || !bytes.Equal(block.Bytes, c.Raw) || len(bytes.TrimSpace(rest)) != 0 || !c.IsCA {
			t.Fatalf("accepted more or other than one CA certificate: %q", data)
		}
		if h, err := caHash(data); err != nil || h != fingerprint(c.Raw) {
			t.Fatalf("hash of an accepted CA: %q %v", h, err)
		}
	})
}

// FuzzNormalSerial: a serial typed by an operator is refused or becomes
// lower-case hex without leading zeros, the form the cluster records.
func FuzzNormalSerial(f *testing.F) {
	for _, s := range []string{"1f2e3d", "1F:2E:3D", "serial=00AB", "0", "000", "", "xyz", " 12 ", strings.Repeat("f", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := normalSerial(in)
		if err != nil {
			return
		}
		if s == "" || strings.Trim(s, "0123456789abcdef") != "" || (len(s) > 1 && s[0] == '0') {
			t.Fatalf("%q became %q", in, s)
		}
		if again, err := normalSerial(s); err != nil || again != s {
			t.Fatalf("%q is not stable: %q %v", s, again, err)
		}
	})
}
