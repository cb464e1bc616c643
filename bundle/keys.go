package bundle

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/openova-io/sovereign/internal/atomicfile"
)

// Keys are ECDSA P-256. The public key is PEM "PUBLIC KEY" (PKIX), the form
// `cosign verify-blob --key` and `openssl dgst -verify` read. The private key
// is PEM "PRIVATE KEY" (PKCS#8) without a passphrase, or the Sigstore
// encrypted form (keyenc.go) with one.
const (
	pemPublicKey    = "PUBLIC KEY"
	pemPrivateKey   = "PRIVATE KEY"
	pemECPrivateKey = "EC PRIVATE KEY"

	// maxKeyFileSize bounds a key file read whole.
	maxKeyFileSize = 64 << 10
)

// PassphraseFunc supplies the passphrase of an encrypted private key. It is
// called only when the key is encrypted; returning an empty passphrase tries
// the key as cosign writes it when given none.
type PassphraseFunc func() ([]byte, error)

// ErrPassphrase reports a private key that did not open: encrypted and no
// passphrase given, or the wrong one.
var ErrPassphrase = errors.New("private key is encrypted")

// GenerateKey makes a new ECDSA P-256 signing key.
func GenerateKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// MarshalPrivateKey encodes priv as PEM, encrypted when passphrase is not
// empty.
func MarshalPrivateKey(priv *ecdsa.PrivateKey, passphrase []byte) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode private key: %w", err)
	}
	if len(passphrase) == 0 {
		return pem.EncodeToMemory(&pem.Block{Type: pemPrivateKey, Bytes: der}), nil
	}
	sealed, err := sealKey(der, passphrase)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemEncryptedKey, Bytes: sealed}), nil
}

// MarshalPublicKey encodes pub as PEM PKIX.
func MarshalPublicKey(pub *ecdsa.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemPublicKey, Bytes: der}), nil
}

// ParsePrivateKey decodes a PEM private key: PKCS#8, SEC 1 ("EC PRIVATE
// KEY", as openssl writes it) or Sigstore-encrypted.
func ParsePrivateKey(data []byte, passphrase PassphraseFunc) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found: is this a private key made by `sovereign bundle keygen`?")
	}
	var key any
	var err error
	switch block.Type {
	case pemPrivateKey:
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case pemECPrivateKey:
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case pemEncryptedKey, pemEncryptedCosignKey:
		var der []byte
		der, err = openEncrypted(block.Bytes, passphrase)
		if err == nil {
			key, err = x509.ParsePKCS8PrivateKey(der)
		}
	case pemPublicKey:
		return nil, errors.New("this is a public key: signing needs the private key (the file without .pub)")
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	priv, ok := key.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, errors.New("private key is not ECDSA P-256")
	}
	return priv, nil
}

func openEncrypted(sealed []byte, passphrase PassphraseFunc) ([]byte, error) {
	var pass []byte
	if passphrase != nil {
		p, err := passphrase()
		if err != nil {
			return nil, err
		}
		pass = p
	}
	der, err := openKey(sealed, pass)
	switch {
	case errors.Is(err, errWrongPassphrase) && len(pass) == 0:
		return nil, fmt.Errorf("%w: give its passphrase (--passphrase-file FILE, $%s, or type it on a terminal)", ErrPassphrase, PassphraseEnv)
	case errors.Is(err, errWrongPassphrase):
		return nil, fmt.Errorf("%w: the passphrase does not open it", ErrPassphrase)
	}
	return der, err
}

// ParsePublicKey decodes a PEM PKIX ECDSA P-256 public key.
func ParsePublicKey(data []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block found: is this the .pub file made by `sovereign bundle keygen`?")
	}
	if block.Type != pemPublicKey {
		return nil, fmt.Errorf("PEM block %q is not a public key (want %q)", block.Type, pemPublicKey)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("public key is not ECDSA P-256")
	}
	return pub, nil
}

// Fingerprint names a public key: "sha256:" and the hex sha256 of its PKIX
// DER, the same for the key however its file is laid out.
func Fingerprint(pub *ecdsa.PublicKey) string {
	// A P-256 key always marshals: ParsePublicKey and GenerateKey hand
	// out no other, so the error is impossible here.
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// LoadPrivateKey reads and decodes the private key at path.
func LoadPrivateKey(path string, passphrase PassphraseFunc) (*ecdsa.PrivateKey, error) {
	data, err := readSmallFile(path, maxKeyFileSize)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	priv, err := ParsePrivateKey(data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", path, err)
	}
	return priv, nil
}

// LoadPublicKey reads and decodes the public key at path.
func LoadPublicKey(path string) (*ecdsa.PublicKey, error) {
	data, err := readSmallFile(path, maxKeyFileSize)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	pub, err := ParsePublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	return pub, nil
}

// Keygen writes a new key pair: the private key to out (mode 0600,
// encrypted when passphrase is not empty) and the public key to out+".pub".
// It refuses to replace an existing key unless force is set, since losing a
// signing key orphans every bundle signed with it.
func Keygen(out string, passphrase []byte, force bool) (*ecdsa.PublicKey, error) {
	pubPath := out + ".pub"
	if !force {
		for _, p := range []string{out, pubPath} {
			if _, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("%s exists: pass --force to replace it (bundles signed with the old key will no longer verify with the new one)", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
	}
	priv, err := GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	privPEM, err := MarshalPrivateKey(priv, passphrase)
	if err != nil {
		return nil, err
	}
	pubPEM, err := MarshalPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(pubPath, pubPEM, 0o644); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(out, privPEM, 0o600); err != nil {
		os.Remove(pubPath)
		return nil, err
	}
	return &priv.PublicKey, nil
}
