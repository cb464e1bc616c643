package bundle

import (
	"archive/tar"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCosignInterop runs Sigstore's cosign, when it is on PATH, against
// this package's keys and signatures: cosign verifies a bundle's
// manifest.sig, signs with a passphrase-protected key from Keygen, and
// makes a key pair that Create signs with and Verify checks.
func TestCosignInterop(t *testing.T) {
	cosign, err := exec.LookPath("cosign")
	if err != nil {
		t.Skip("cosign not on PATH")
	}
	dir := t.TempDir()
	cmd := func(env []string, args ...string) {
		t.Helper()
		c := exec.Command(cosign, args...)
		c.Env = append(os.Environ(), env...)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("cosign %v: %v\n%s", args, err, out)
		}
	}

	// cosign verifies what Create signed.
	b := goodBundle(t)
	var manifest, sig []byte
	rewrite(t, b, filepath.Join(dir, "copy"), func(hdr *tar.Header, data []byte) ([]byte, bool) {
		switch hdr.Name {
		case ManifestName:
			manifest = data
		case SignatureName:
			sig = data
		}
		return data, true
	})
	writeFile(t, filepath.Join(dir, ManifestName), manifest)
	writeFile(t, filepath.Join(dir, SignatureName), sig)
	cmd(nil, "verify-blob", "--key", mainKey(t).pubPath, "--signature", filepath.Join(dir, SignatureName),
		"--insecure-ignore-tlog=true", filepath.Join(dir, ManifestName))

	// cosign signs with a key Keygen encrypted.
	key := filepath.Join(dir, "release")
	if _, err := Keygen(key, []byte("pass phrase"), false); err != nil {
		t.Fatal(err)
	}
	cmd([]string{"COSIGN_PASSWORD=pass phrase"}, "sign-blob", "--key", key, "--tlog-upload=false", "--yes",
		"--output-signature", filepath.Join(dir, "cosign.sig"), filepath.Join(dir, ManifestName))
	pub, err := LoadPublicKey(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	cosignSig, _ := os.ReadFile(filepath.Join(dir, "cosign.sig"))
	if err := VerifySignature(pub, manifest, cosignSig); err != nil {
		t.Fatalf("cosign's signature with our key: %v", err)
	}

	// A key pair cosign made signs a bundle.
	c := exec.Command(cosign, "generate-key-pair")
	c.Dir, c.Env = dir, append(os.Environ(), "COSIGN_PASSWORD=other phrase")
	if out, err := c.CombinedOutput(); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	priv, err := LoadPrivateKey(filepath.Join(dir, "cosign.key"), func() ([]byte, error) { return []byte("other phrase"), nil })
	if err != nil {
		t.Fatalf("cosign's private key: %v", err)
	}
	out := filepath.Join(dir, "signed-by-cosign-key")
	opts := createOpts(t, out, "1.0.0")
	opts.Key = priv
	if _, err := Create(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	cosignPub, err := LoadPublicKey(filepath.Join(dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verifyWith(t, out, cosignPub); err != nil {
		t.Fatalf("bundle signed with cosign's key: %v", err)
	}
}
