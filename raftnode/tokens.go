package raftnode

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/openova-io/sovereign/storage"
)

// Join tokens, in the spirit of k3s: K10<sha256 of the CA certificate>::<id>.<secret>.
// The hash lets a new node check the CA it is shown before it trusts
// anything; the id names the token so it can be listed and revoked; only
// the SHA-256 of the secret is stored.

// Token is a join token as stored (without its secret).
type Token struct {
	ID          string    `json:"id"`
	SecretHash  string    `json:"secretHash,omitempty"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires,omitzero"`
}

// Errors of token checks.
var (
	ErrTokenInvalid = errors.New("join token is not valid (unknown, revoked or wrong secret); create one with `sovereign token create` on a member of the cluster")
	ErrTokenExpired = errors.New("join token has expired; create a new one with `sovereign token create`")
	ErrTokenFormat  = errors.New("join token is malformed; it looks like K10<ca hash>::<id>.<secret>")
)

var tokenRE = regexp.MustCompile(`^K10([0-9a-f]{64})::([0-9a-f]{12})\.([0-9a-f]{48})$`)

// parsedToken is the parts of a token string.
type parsedToken struct {
	CAHash, ID, Secret string
}

// parseToken splits a token string into its parts.
func parseToken(s string) (parsedToken, error) {
	m := tokenRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return parsedToken{}, ErrTokenFormat
	}
	return parsedToken{CAHash: m[1], ID: m[2], Secret: m[3]}, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// How long a join token lives: DefaultTokenTTL when its creator does not
// say, never longer than MaxTokenTTL. A token is a credential to mint a
// member's certificate; one that never expires is one nobody remembers.
const (
	DefaultTokenTTL = 24 * time.Hour
	MaxTokenTTL     = 7 * 24 * time.Hour
)

// ErrTokenTTL: a join token was asked to live longer than MaxTokenTTL.
var ErrTokenTTL = errors.New("a join token lives at most 168h (7 days); ask for less, and create a new token when it expires")

// NewToken returns a new join token and the command that records it, for
// a caller that proposes it together with other commands (an audit entry).
// ttl 0 is DefaultTokenTTL; more than MaxTokenTTL is ErrTokenTTL.
func (n *Node) NewToken(ttl time.Duration, description string) (string, Token, storage.Command, error) {
	switch {
	case ttl < 0 || ttl > MaxTokenTTL:
		return "", Token{}, storage.Command{}, ErrTokenTTL
	case ttl == 0:
		ttl = DefaultTokenTTL
	}
	caCert, _, err := n.clusterCA()
	if err != nil {
		return "", Token{}, storage.Command{}, err
	}
	hash, err := caHash(caCert)
	if err != nil {
		return "", Token{}, storage.Command{}, err
	}
	id, err := randomHex(6)
	if err != nil {
		return "", Token{}, storage.Command{}, err
	}
	secret, err := randomHex(24)
	if err != nil {
		return "", Token{}, storage.Command{}, err
	}
	t := Token{ID: id, SecretHash: hashSecret(secret), Description: description, Created: time.Now().UTC().Truncate(time.Second)}
	t.Expires = t.Created.Add(ttl)
	data, _ := json.Marshal(t)
	t.SecretHash = ""
	return fmt.Sprintf("K10%s::%s.%s", hash, id, secret), t, storage.Create(storage.BucketJoinTokens, []byte(id), data), nil
}

// Tokens lists the join tokens, without their secrets' hashes.
func (n *Node) Tokens() ([]Token, error) {
	out := []Token{}
	err := n.fsm.Scan(storage.BucketJoinTokens, nil, func(_ []byte, r storage.Record) bool {
		var t Token
		if json.Unmarshal(r.Value, &t) == nil {
			t.SecretHash = ""
			out = append(out, t)
		}
		return true
	})
	return out, err
}

// ErrNoToken: no join token has that id.
var ErrNoToken = errors.New("no join token with that id; `sovereign token list` shows them")

// RevokeTokenCommand returns the command that deletes a join token (nodes
// that joined with it stay), reading the local state.
func (n *Node) RevokeTokenCommand(id string) (storage.Command, error) {
	key := []byte(id)
	rec, ok, err := n.fsm.Get(storage.BucketJoinTokens, key)
	if err != nil {
		return storage.Command{}, err
	}
	if !ok {
		return storage.Command{}, fmt.Errorf("%w: %q", ErrNoToken, id)
	}
	return storage.Command{Op: storage.OpDelete, Bucket: storage.BucketJoinTokens, Key: key, Expect: int64(rec.Version)}, nil
}

// liveToken reads a token that exists and has not expired, with its
// secret's hash.
func (n *Node) liveToken(id string, now time.Time) (Token, error) {
	rec, ok, err := n.fsm.Get(storage.BucketJoinTokens, []byte(id))
	if err != nil {
		return Token{}, err
	}
	var t Token
	if !ok || json.Unmarshal(rec.Value, &t) != nil || len(t.SecretHash) != 64 {
		return Token{}, ErrTokenInvalid
	}
	if !t.Expires.IsZero() && now.After(t.Expires) {
		return Token{}, fmt.Errorf("%w (it expired at %s)", ErrTokenExpired, t.Expires.Format(time.RFC3339))
	}
	return t, nil
}

// checkToken verifies a token's id and secret against the local state,
// comparing the secret's hash in constant time.
func (n *Node) checkToken(id, secret string, now time.Time) error {
	rec, ok, err := n.fsm.Get(storage.BucketJoinTokens, []byte(id))
	if err != nil {
		return err
	}
	want := strings.Repeat("0", 64)
	var t Token
	if ok && json.Unmarshal(rec.Value, &t) == nil {
		want = t.SecretHash
	}
	match := subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(want)) == 1
	if !ok || !match {
		return ErrTokenInvalid
	}
	if !t.Expires.IsZero() && now.After(t.Expires) {
		return fmt.Errorf("%w (it expired at %s)", ErrTokenExpired, t.Expires.Format(time.RFC3339))
	}
	return nil
}
