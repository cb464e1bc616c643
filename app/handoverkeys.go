package app

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"

	"github.com/golang-jwt/jwt/v5"
)

// HandoverKeys are the OpenOva console's public keys that may sign
// handover tokens. A file holds one key (PEM PKIX "PUBLIC KEY" or PKCS#1
// "RSA PUBLIC KEY", or one JWK) or a JWK set, so OpenOva can rotate its
// key with an overlap: the set holds the old and the new key until every
// token the old one signed has expired (five minutes).
//
// A token whose header names a kid is checked against the key of that kid
// only (or, when no key has it, the keys that have no kid: a PEM key names
// none); a token without a kid is checked against each key in turn.
type HandoverKeys struct {
	keys []HandoverKey
}

// HandoverKey is one key of a set; Kid is empty for a PEM key or a JWK
// without one.
type HandoverKey struct {
	Kid string
	Key *rsa.PublicKey
}

// minHandoverKeyBits is the smallest RSA key accepted for handover tokens.
const minHandoverKeyBits = 2048

// maxHandoverKeys bounds a set: each key may cost one RSA verification.
const maxHandoverKeys = 16

// NewHandoverKeys makes a set of keys; at least one, kids unique.
func NewHandoverKeys(keys ...HandoverKey) (*HandoverKeys, error) {
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	if len(keys) > maxHandoverKeys {
		return nil, fmt.Errorf("%d keys; give at most %d", len(keys), maxHandoverKeys)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if k.Key == nil {
			return nil, errors.New("a key is missing")
		}
		if k.Key.N.BitLen() < minHandoverKeyBits {
			return nil, fmt.Errorf("RSA key %sof %d bits is too short; use at least %d", kidText(k.Kid), k.Key.N.BitLen(), minHandoverKeyBits)
		}
		if k.Kid != "" && seen[k.Kid] {
			return nil, fmt.Errorf("two keys have kid %q; each kid names one key", k.Kid)
		}
		seen[k.Kid] = true
	}
	return &HandoverKeys{keys: append([]HandoverKey(nil), keys...)}, nil
}

func kidText(kid string) string {
	if kid == "" {
		return ""
	}
	return fmt.Sprintf("%q ", kid)
}

// Keys returns the keys of the set.
func (ks *HandoverKeys) Keys() []HandoverKey { return append([]HandoverKey(nil), ks.keys...) }

// ReadHandoverKeys reads the OpenOva console's public keys from path.
func ReadHandoverKeys(path string) (*HandoverKeys, error) {
	ks, _, err := readHandoverKeyFile(path)
	return ks, err
}

// readHandoverKeyFile reads and parses path, and returns its bytes too.
func readHandoverKeyFile(path string) (*HandoverKeys, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("handover public key: %w", err)
	}
	ks, err := parseHandoverKeys(data)
	if err != nil {
		return nil, nil, fmt.Errorf("handover public key %s: %w", path, err)
	}
	return ks, data, nil
}

// parseHandoverKeys parses keys in any form ReadHandoverKeys reads.
func parseHandoverKeys(data []byte) (*HandoverKeys, error) {
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte("{")) {
		key, err := parsePEMKey(trimmed)
		if err != nil {
			return nil, err
		}
		return NewHandoverKeys(HandoverKey{Key: key})
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(trimmed, &set); err == nil && set.Keys != nil {
		return parseJWKSet(set.Keys)
	}
	k, err := parseJWK(trimmed)
	if err != nil {
		return nil, err
	}
	return NewHandoverKeys(k)
}

// parseJWKSet keeps the RSA signing keys of a JWK set and skips keys for
// other uses (an encryption key, another algorithm) that a published set
// may hold beside them.
func parseJWKSet(raw []json.RawMessage) (*HandoverKeys, error) {
	if len(raw) > 4*maxHandoverKeys {
		return nil, fmt.Errorf("JWK set holds %d keys; give at most %d", len(raw), maxHandoverKeys)
	}
	var keys []HandoverKey
	for i, r := range raw {
		var head jwk
		if err := json.Unmarshal(r, &head); err != nil {
			return nil, fmt.Errorf("JWK set key %d: %w", i, err)
		}
		if head.Kty != "RSA" || head.Use != "" && head.Use != "sig" || head.Alg != "" && head.Alg != "RS256" {
			continue
		}
		k, err := parseJWK(r)
		if err != nil {
			return nil, fmt.Errorf("JWK set key %d: %w", i, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("JWK set holds no RSA signing key (kty RSA, alg RS256 or none, use sig or none)")
	}
	return NewHandoverKeys(keys...)
}

// forToken is the jwt key function: the keys that may have signed t.
func (ks *HandoverKeys) forToken(t *jwt.Token) (any, error) {
	var picked []jwt.VerificationKey
	kid, named := t.Header["kid"]
	if named {
		s, ok := kid.(string)
		if !ok || s == "" {
			return nil, errors.New("kid is not a string")
		}
		for _, k := range ks.keys {
			if k.Kid == s {
				picked = append(picked, k.Key)
			}
		}
	}
	if len(picked) == 0 {
		for _, k := range ks.keys {
			if !named || k.Kid == "" {
				picked = append(picked, k.Key)
			}
		}
	}
	if len(picked) == 0 {
		return nil, fmt.Errorf("no handover key with kid %v", kid)
	}
	return jwt.VerificationKeySet{Keys: picked}, nil
}

func parsePEMKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("neither PEM nor a JWK; give a PEM public key (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY), one JWK or a JWK set")
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PKIX public key: %w", err)
		}
		rk, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("a %T, not an RSA key; handover tokens are RS256", pub)
		}
		return rk, nil
	case "RSA PUBLIC KEY":
		rk, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PKCS#1 public key: %w", err)
		}
		return rk, nil
	}
	return nil, fmt.Errorf("PEM block %q is not a public key; give BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY", block.Type)
}

type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Alg string `json:"alg"`
}

func parseJWK(data []byte) (HandoverKey, error) {
	var k jwk
	if err := json.Unmarshal(data, &k); err != nil {
		return HandoverKey{}, fmt.Errorf("JWK: %w", err)
	}
	if k.Kty != "RSA" {
		return HandoverKey{}, fmt.Errorf("JWK kty %q: handover tokens are RS256, give an RSA key", k.Kty)
	}
	if k.Alg != "" && k.Alg != "RS256" {
		return HandoverKey{}, fmt.Errorf("JWK alg %q: handover tokens are RS256", k.Alg)
	}
	if k.Use != "" && k.Use != "sig" {
		return HandoverKey{}, fmt.Errorf("JWK use %q: a handover key signs, give use sig or none", k.Use)
	}
	if len(k.Kid) > 256 {
		return HandoverKey{}, errors.New("JWK kid is longer than 256 characters")
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil || len(n) == 0 || len(n) > 2048 {
		return HandoverKey{}, errors.New("JWK n is not a base64url modulus")
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return HandoverKey{}, errors.New("JWK e is not a base64url exponent")
	}
	exp := new(big.Int).SetBytes(e)
	if exp.Int64() < 3 || exp.Int64()%2 == 0 {
		return HandoverKey{}, errors.New("JWK e is not a valid RSA exponent")
	}
	return HandoverKey{Kid: k.Kid, Key: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}}, nil
}
