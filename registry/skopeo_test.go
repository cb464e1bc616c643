package registry

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// skopeo is Debian's skopeo, a client of its own (containers/image), as
// CI installs it (apt-get install -y skopeo).
func skopeo(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("skopeo")
	if err != nil {
		t.Skip("skopeo is not installed: apt-get install -y skopeo (CI installs it) to run the skopeo tests")
	}
	return p
}

func runSkopeo(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // no user's registries or credentials
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestSkopeoInspectsAndCopiesEveryImageWithTheLayoutDigests(t *testing.T) {
	bin := skopeo(t)
	s, in := serveInstalled(t)
	certs := "--cert-dir=" + s.caDir
	cases := []struct {
		name   string
		ref    string
		digest v1.Hash
		index  bool
	}{
		{"oci image", appRepo + ":" + appTag, in.app, false},
		{"docker schema2 image", busyboxRepo + ":1.36", in.busybox, false},
		{"docker hub short name", "library/busybox:1.36", in.busybox, false},
		{"multi-arch index", multiRepo + ":" + multiTag, in.multi, true},
		{"helm chart", chartRepo + ":" + chartTag, in.chart, false},
		{"signature by digest", appRepo + "@" + in.sig.String(), in.sig, false},
		{"sbom by digest", appRepo + "@" + in.sbom.String(), in.sbom, false},
	}
	// The cases cover every named entry of the installed layout.
	covered := map[v1.Hash]bool{}
	for _, c := range cases {
		covered[c.digest] = true
	}
	_, im := layoutIndex(t, in.ociDir)
	for _, d := range im.Manifests {
		if !covered[d.Digest] {
			t.Errorf("%s (%v) of the installed layout has no case", d.Digest, d.Annotations)
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "docker://" + s.host + "/" + c.ref
			raw := runSkopeo(t, bin, "inspect", "--raw", certs, src)
			if got := (v1.Hash{Algorithm: "sha256", Hex: sha256Hex(raw)}); got != c.digest {
				t.Fatalf("skopeo inspect --raw %s: manifest digest %s, the layout has %s", src, got, c.digest)
			}
			if !c.index && c.name != "helm chart" && !strings.HasSuffix(c.name, "by digest") {
				var info struct{ Digest string }
				if err := json.Unmarshal(runSkopeo(t, bin, "inspect", certs, src), &info); err != nil {
					t.Fatal(err)
				}
				if info.Digest != c.digest.String() {
					t.Fatalf("skopeo inspect %s: digest %s, the layout has %s", src, info.Digest, c.digest)
				}
			}
			dir := filepath.Join(t.TempDir(), "out")
			dest := "oci:" + dir + ":copied"
			if strings.Contains(c.name, "docker") {
				dest = "dir:" + dir // the oci transport would convert a Docker manifest
			}
			args := []string{"copy", "--preserve-digests", "--src-cert-dir=" + s.caDir}
			if c.index {
				args = append(args, "--all")
			}
			runSkopeo(t, bin, append(args, src, dest)...)
			if strings.HasPrefix(dest, "dir:") {
				data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
				if err != nil {
					t.Fatal(err)
				}
				if got := sha256Hex(data); got != c.digest.Hex {
					t.Fatalf("copied manifest sha256:%s, the layout has %s", got, c.digest)
				}
				return
			}
			ii, im := layoutIndex(t, dir)
			if len(im.Manifests) != 1 || im.Manifests[0].Digest != c.digest {
				t.Fatalf("copied layout index %+v, want one entry %s", im.Manifests, c.digest)
			}
			if c.index {
				idx, err := ii.ImageIndex(c.digest)
				if err != nil {
					t.Fatal(err)
				}
				if err := validate.Index(idx); err != nil {
					t.Fatal(err)
				}
			} else if c.name == "oci image" {
				img, err := ii.Image(c.digest)
				if err != nil {
					t.Fatal(err)
				}
				if err := validate.Image(img); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
