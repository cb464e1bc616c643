package bundle

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestKeygenWritesAKeyPair(t *testing.T) {
	out := filepath.Join(t.TempDir(), "signing")
	pub, err := Keygen(out, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{out: 0o600, out + ".pub": 0o644} {
		st, err := os.Stat(p)
		if err != nil || st.Mode().Perm() != want {
			t.Fatalf("%s: mode %v, %v; want %v", p, st.Mode(), err, want)
		}
	}
	priv, err := LoadPrivateKey(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadPublicKey(out + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey.Equal(pub) || !loaded.Equal(pub) {
		t.Fatal("the files hold different keys")
	}
	data, _ := os.ReadFile(out)
	if block, _ := pem.Decode(data); block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("unencrypted private key is not PEM PKCS#8")
	}

	before := snapshot(t, filepath.Dir(out))
	_, err = Keygen(out, nil, false)
	wantErr(t, err, "exists", "--force")
	if d := diffSnapshots(before, snapshot(t, filepath.Dir(out))); len(d) > 0 {
		t.Fatalf("refused keygen changed: %v", d)
	}
	if _, err := Keygen(out, nil, true); err != nil {
		t.Fatalf("keygen --force: %v", err)
	}
}

func TestEncryptedKeyUsesTheSigstoreFormat(t *testing.T) {
	out := filepath.Join(t.TempDir(), "signing")
	pub, err := Keygen(out, []byte("correct horse"), false)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(out)
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "ENCRYPTED SIGSTORE PRIVATE KEY" {
		t.Fatalf("PEM block %v", block)
	}
	var doc struct {
		KDF struct {
			Name   string
			Params struct{ N, R, P int }
			Salt   []byte
		}
		Cipher struct {
			Name  string
			Nonce []byte
		}
		Ciphertext []byte
	}
	if err := json.Unmarshal(block.Bytes, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.KDF.Name != "scrypt" || doc.KDF.Params.N != 65536 || doc.KDF.Params.R != 8 || doc.KDF.Params.P != 1 ||
		len(doc.KDF.Salt) != 32 || doc.Cipher.Name != "nacl/secretbox" || len(doc.Cipher.Nonce) != 24 {
		t.Fatalf("encrypted key fields: %+v", doc)
	}

	pass := func(p string) PassphraseFunc { return func() ([]byte, error) { return []byte(p), nil } }
	priv, err := LoadPrivateKey(out, pass("correct horse"))
	if err != nil || !priv.PublicKey.Equal(pub) {
		t.Fatalf("open with the passphrase: %v", err)
	}
	_, err = LoadPrivateKey(out, pass("wrong"))
	wantErr(t, err, "does not open")
	if !errors.Is(err, ErrPassphrase) {
		t.Fatalf("error %q is not ErrPassphrase", err)
	}
	_, err = LoadPrivateKey(out, nil)
	wantErr(t, err, "give its passphrase")

	// Parameters outside the accepted set are refused before scrypt runs.
	doc2 := map[string]any{}
	json.Unmarshal(block.Bytes, &doc2)
	doc2["kdf"].(map[string]any)["params"] = map[string]int{"N": 1 << 30, "r": 8, "p": 1}
	forged, _ := json.Marshal(doc2)
	_, err = ParsePrivateKey(pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: forged}), pass("correct horse"))
	wantErr(t, err, "unsupported scrypt parameters")
}

func TestKeysOtherThanP256Refused(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(p384)
	_, err := ParsePrivateKey(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil)
	wantErr(t, err, "not ECDSA P-256")

	rsaKey, _ := rsa.GenerateKey(rand.Reader, 1024)
	pubDER, _ := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	_, err = ParsePublicKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	wantErr(t, err, "not ECDSA P-256")

	_, err = ParsePublicKey([]byte("not a key"))
	wantErr(t, err, "no PEM block")
	pubPEM, _ := MarshalPublicKey(mainPub(t))
	_, err = ParsePrivateKey(pubPEM, nil)
	wantErr(t, err, "public key")
}

func TestSignatureVerifies(t *testing.T) {
	msg := []byte(`{"formatVersion":1}`)
	sig, err := Sign(mainKey(t).priv, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifySignature(mainPub(t), msg, append(sig, '\n')); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	err = VerifySignature(&otherKey(t).PublicKey, msg, sig)
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("other key: %v", err)
	}
	err = VerifySignature(mainPub(t), append(msg, ' '), sig)
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("changed message: %v", err)
	}
}

// TestSignatureInteropWithOpenSSL checks the signature format with an
// implementation other than Go's: what `openssl dgst -sha256 -verify`
// accepts (DER ECDSA over SHA-256 with a PKIX key) is what `cosign
// verify-blob --key` accepts once base64-decoded, and the other way round.
func TestSignatureInteropWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	manifest := filepath.Join(dir, "manifest.json")
	writeFile(t, manifest, []byte("{\"formatVersion\": 1}\n"))

	// Signed here, verified by openssl.
	sig, err := Sign(mainKey(t).priv, []byte("{\"formatVersion\": 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	der, _ := base64.StdEncoding.DecodeString(string(sig))
	writeFile(t, filepath.Join(dir, "sig.der"), der)
	run("dgst", "-sha256", "-verify", mainKey(t).pubPath, "-signature", filepath.Join(dir, "sig.der"), manifest)

	// A key made by openssl (SEC 1 "EC PRIVATE KEY"), signed by openssl,
	// verified here.
	key := filepath.Join(dir, "ec.pem")
	run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
	run("ec", "-in", key, "-pubout", "-out", key+".pub")
	run("dgst", "-sha256", "-sign", key, "-out", filepath.Join(dir, "openssl.der"), manifest)
	pub, err := LoadPublicKey(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	osslSig, _ := os.ReadFile(filepath.Join(dir, "openssl.der"))
	if err := VerifySignature(pub, []byte("{\"formatVersion\": 1}\n"), []byte(base64.StdEncoding.EncodeToString(osslSig))); err != nil {
		t.Fatalf("openssl's signature: %v", err)
	}
	if _, err := LoadPrivateKey(key, nil); err != nil {
		t.Fatalf("openssl's private key: %v", err)
	}
}
