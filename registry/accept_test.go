package registry

import (
	"net/http"
	"testing"
)

func TestAcceptHeadersAsClientsSendThem(t *testing.T) {
	const oci, docker = "application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"
	for _, c := range []struct {
		headers   []string
		oci, dock bool
	}{
		{nil, true, true},
		{[]string{""}, true, true},
		{[]string{"*/*"}, true, true},
		{[]string{oci}, true, false},
		{[]string{docker + " , " + oci}, true, true},
		{[]string{docker, oci}, true, true},
		{[]string{"Application/Vnd.OCI.Image.Manifest.v1+JSON"}, true, false},
		{[]string{oci + ";q=0", docker + ";q=0.8"}, false, true},
		{[]string{oci + "; q=0.000"}, false, false},
	} {
		req := &http.Request{Header: http.Header{}}
		for _, h := range c.headers {
			req.Header.Add("Accept", h)
		}
		a := parseAccept(req)
		if a.allows(oci) != c.oci || a.allows(docker) != c.dock {
			t.Errorf("Accept %q: oci %v docker %v, want %v %v", c.headers, a.allows(oci), a.allows(docker), c.oci, c.dock)
		}
	}
}
