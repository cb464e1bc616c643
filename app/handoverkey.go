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
)

// minHandoverKeyBits is the smallest RSA key accepted for handover tokens.
const minHandoverKeyBits = 2048

// ReadHandoverKey reads the OpenOva console's public key from path: PEM
// (PKIX "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY") or one JWK (an object
// with kty RSA, n and e; a JWK set holding exactly one key is accepted).
func ReadHandoverKey(path string) (*rsa.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("handover public key: %w", err)
	}
	key, err := ParseHandoverKey(data)
	if err != nil {
		return nil, fmt.Errorf("handover public key %s: %w", path, err)
	}
	return key, nil
}

// ParseHandoverKey parses a public key in any form ReadHandoverKey reads.
func ParseHandoverKey(data []byte) (*rsa.PublicKey, error) {
	trimmed := bytes.TrimSpace(data)
	var key *rsa.PublicKey
	var err error
	if bytes.HasPrefix(trimmed, []byte("{")) {
		key, err = parseJWK(trimmed)
	} else {
		key, err = parsePEMKey(trimmed)
	}
	if err != nil {
		return nil, err
	}
	if key.N.BitLen() < minHandoverKeyBits {
		return nil, fmt.Errorf("RSA key of %d bits is too short; use at least %d", key.N.BitLen(), minHandoverKeyBits)
	}
	return key, nil
}

func parsePEMKey(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("neither PEM nor a JWK; give a PEM public key (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY) or one JWK")
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
	N   string `json:"n"`
	E   string `json:"e"`
	Alg string `json:"alg"`
}

func parseJWK(data []byte) (*rsa.PublicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	var k jwk
	if err := json.Unmarshal(data, &set); err == nil && set.Keys != nil {
		if len(set.Keys) != 1 {
			return nil, fmt.Errorf("JWK set holds %d keys; give exactly one", len(set.Keys))
		}
		k = set.Keys[0]
	} else if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("JWK: %w", err)
	}
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("JWK kty %q: handover tokens are RS256, give an RSA key", k.Kty)
	}
	if k.Alg != "" && k.Alg != "RS256" {
		return nil, fmt.Errorf("JWK alg %q: handover tokens are RS256", k.Alg)
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil || len(n) == 0 {
		return nil, errors.New("JWK n is not base64url")
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("JWK e is not a base64url exponent")
	}
	exp := new(big.Int).SetBytes(e)
	if exp.Int64() < 3 || exp.Int64()%2 == 0 {
		return nil, errors.New("JWK e is not a valid RSA exponent")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
}
