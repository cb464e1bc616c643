package bundle

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Sign returns manifest.sig for manifest: the base64 (standard alphabet, no
// newline) of the ASN.1 DER ECDSA signature over the manifest's SHA-256,
// which is what `cosign sign-blob` writes and `cosign verify-blob --key
// KEY.pub --signature manifest.sig manifest.json` checks.
func Sign(priv *ecdsa.PrivateKey, manifest []byte) ([]byte, error) {
	digest := sha256.Sum256(manifest)
	der, err := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign manifest: %w", err)
	}
	return []byte(base64.StdEncoding.EncodeToString(der)), nil
}

// ErrSignature reports a manifest whose signature does not verify.
var ErrSignature = errors.New("signature does not verify")

// VerifySignature checks sig (as Sign writes it; surrounding white space is
// allowed) over manifest with pub.
func VerifySignature(pub *ecdsa.PublicKey, manifest, sig []byte) error {
	der, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(sig)))
	if err != nil {
		return fmt.Errorf("%s is not base64: %w", SignatureName, err)
	}
	digest := sha256.Sum256(manifest)
	if !ecdsa.VerifyASN1(pub, digest[:], der) {
		return fmt.Errorf("%s: %w with key %s: the bundle was signed with another key, or %s was changed after signing", ManifestName, ErrSignature, Fingerprint(pub), ManifestName)
	}
	return nil
}
