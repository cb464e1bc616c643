package bundle

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// A passphrase-protected private key is kept in the format Sigstore's cosign
// uses for its own keys ("ENCRYPTED SIGSTORE PRIVATE KEY"), so a key made by
// `sovereign bundle keygen` also signs with `cosign sign-blob --key`, and a
// key made by `cosign generate-key-pair` signs Sovereign bundles:
//
//	PEM block "ENCRYPTED SIGSTORE PRIVATE KEY" whose bytes are the JSON
//	{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":B64},
//	 "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
//
// The key for NaCl secretbox (XSalsa20-Poly1305, authenticated) is derived
// from the passphrase with scrypt over a random 32-byte salt; the plaintext
// is the PKCS#8 DER of the ECDSA key. Older cosign keys carry the PEM type
// "ENCRYPTED COSIGN PRIVATE KEY" and N=32768; both are read.
const (
	pemEncryptedKey       = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemEncryptedCosignKey = "ENCRYPTED COSIGN PRIVATE KEY"

	kdfScrypt       = "scrypt"
	cipherSecretBox = "nacl/secretbox"
	scryptSaltSize  = 32
	boxKeySize      = 32
	boxNonceSize    = 24
)

type scryptParams struct {
	N int `json:"N"`
	R int `json:"r"`
	P int `json:"p"`
}

// The scrypt parameters a reader accepts. Taking them from the file without a
// list would let a crafted key file make the reader spend minutes and
// gigabytes before it fails.
var (
	scryptWrite   = scryptParams{N: 1 << 16, R: 8, P: 1}
	scryptAccepts = []scryptParams{{N: 1 << 15, R: 8, P: 1}, scryptWrite, {N: 1 << 17, R: 8, P: 1}}
)

type encryptedKey struct {
	KDF struct {
		Name   string       `json:"name"`
		Params scryptParams `json:"params"`
		Salt   []byte       `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// sealKey encrypts plaintext (a PKCS#8 DER key) with passphrase.
func sealKey(plaintext, passphrase []byte) ([]byte, error) {
	var ek encryptedKey
	ek.KDF.Name = kdfScrypt
	ek.KDF.Params = scryptWrite
	ek.KDF.Salt = make([]byte, scryptSaltSize)
	ek.Cipher.Name = cipherSecretBox
	ek.Cipher.Nonce = make([]byte, boxNonceSize)
	if _, err := rand.Read(ek.KDF.Salt); err != nil {
		return nil, err
	}
	if _, err := rand.Read(ek.Cipher.Nonce); err != nil {
		return nil, err
	}
	key, err := scrypt.Key(passphrase, ek.KDF.Salt, ek.KDF.Params.N, ek.KDF.Params.R, ek.KDF.Params.P, boxKeySize)
	if err != nil {
		return nil, fmt.Errorf("derive key from passphrase: %w", err)
	}
	var k [boxKeySize]byte
	var nonce [boxNonceSize]byte
	copy(k[:], key)
	copy(nonce[:], ek.Cipher.Nonce)
	ek.Ciphertext = secretbox.Seal(nil, plaintext, &nonce, &k)
	return json.Marshal(ek)
}

// errWrongPassphrase is returned when a key does not open with the
// passphrase given.
var errWrongPassphrase = errors.New("wrong passphrase")

// openKey decrypts what sealKey wrote.
func openKey(sealed, passphrase []byte) ([]byte, error) {
	var ek encryptedKey
	if err := json.Unmarshal(sealed, &ek); err != nil {
		return nil, fmt.Errorf("encrypted key is not valid JSON: %w", err)
	}
	if ek.KDF.Name != kdfScrypt {
		return nil, fmt.Errorf("encrypted key: unknown kdf %q (want %s)", ek.KDF.Name, kdfScrypt)
	}
	if ek.Cipher.Name != cipherSecretBox {
		return nil, fmt.Errorf("encrypted key: unknown cipher %q (want %s)", ek.Cipher.Name, cipherSecretBox)
	}
	accepted := false
	for _, p := range scryptAccepts {
		accepted = accepted || p == ek.KDF.Params
	}
	if !accepted {
		return nil, fmt.Errorf("encrypted key: unsupported scrypt parameters N=%d r=%d p=%d", ek.KDF.Params.N, ek.KDF.Params.R, ek.KDF.Params.P)
	}
	if len(ek.Cipher.Nonce) != boxNonceSize {
		return nil, fmt.Errorf("encrypted key: nonce is %d bytes, want %d", len(ek.Cipher.Nonce), boxNonceSize)
	}
	key, err := scrypt.Key(passphrase, ek.KDF.Salt, ek.KDF.Params.N, ek.KDF.Params.R, ek.KDF.Params.P, boxKeySize)
	if err != nil {
		return nil, fmt.Errorf("derive key from passphrase: %w", err)
	}
	var k [boxKeySize]byte
	var nonce [boxNonceSize]byte
	copy(k[:], key)
	copy(nonce[:], ek.Cipher.Nonce)
	plain, ok := secretbox.Open(nil, ek.Ciphertext, &nonce, &k)
	if !ok {
		return nil, errWrongPassphrase
	}
	return plain, nil
}
