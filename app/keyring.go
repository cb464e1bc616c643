package app

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/openova-io/sovereign/storage"
)

// Session signing keys live in the replicated store, so every node signs
// and verifies the same sessions. The newest key signs; a rotation retires
// the others, which keep verifying the sessions they signed until those
// expire (a session lives at most SessionTTL), and are dropped at the
// first rotation after that. A rotation that revokes all (an emergency
// cut-off, when a key may have leaked) drops every old key at once, so
// every session signed before it is refused on every node as soon as the
// rotation is applied there.

// signingKey is one HMAC-SHA256 key.
type signingKey struct {
	Kid     string     `json:"kid"`
	Secret  []byte     `json:"secret"`
	Created time.Time  `json:"created"`
	Retired *time.Time `json:"retired,omitempty"`
}

// keySet is the keys record; the last key is the one that signs.
type keySet struct {
	Keys []signingKey `json:"keys"`
}

var sessionKeysKey = []byte("keyring")

// KeyInfo describes a key without its secret.
type KeyInfo struct {
	Kid     string     `json:"kid"`
	Created time.Time  `json:"created"`
	Retired *time.Time `json:"retired,omitempty"`
}

// keyring caches the decoded keys record by its Raft index.
type keyring struct {
	cs  *console
	mu  sync.Mutex
	mod uint64
	set keySet
}

func newKeyring(cs *console) *keyring { return &keyring{cs: cs} }

// load returns the keys as this node's state holds them, and the record's
// version (0: no key yet).
func (k *keyring) load() (keySet, uint64, error) {
	rec, ok, err := k.cs.s.opts.Store.Get(storage.BucketSessionKeys, sessionKeysKey)
	if err != nil || !ok {
		return keySet{}, 0, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if rec.ModIndex != k.mod {
		var set keySet
		if err := json.Unmarshal(rec.Value, &set); err != nil {
			return keySet{}, 0, fmt.Errorf("session keys: %w", err)
		}
		k.set, k.mod = set, rec.ModIndex
	}
	return k.set, rec.Version, nil
}

var errNoSigningKey = errors.New("no session signing key yet")

// signer returns the key that signs new sessions, creating the first one
// when the cluster has none.
func (k *keyring) signer(c *fiber.Ctx) (signingKey, error) {
	set, _, err := k.load()
	if err != nil {
		return signingKey{}, err
	}
	if len(set.Keys) > 0 {
		return set.Keys[len(set.Keys)-1], nil
	}
	err = k.cs.commit(c, "sovereign", func() (change, error) {
		set, version, err := k.load()
		if err != nil {
			return change{}, err
		}
		if len(set.Keys) > 0 {
			return change{}, nil
		}
		return k.rotation(set, version)
	})
	if err != nil {
		return signingKey{}, err
	}
	set, _, err = k.load()
	if err != nil {
		return signingKey{}, err
	}
	if len(set.Keys) == 0 {
		return signingKey{}, errNoSigningKey
	}
	return set.Keys[len(set.Keys)-1], nil
}

// verifier returns the secret of key kid if it may still verify sessions.
func (k *keyring) verifier(kid string, now time.Time) ([]byte, error) {
	set, _, err := k.load()
	if err != nil {
		return nil, err
	}
	for _, key := range set.Keys {
		if key.Kid != kid {
			continue
		}
		if key.Retired != nil && now.After(key.Retired.Add(k.cs.opts.SessionTTL)) {
			return nil, fmt.Errorf("signing key %s retired at %s", kid, key.Retired.Format(time.RFC3339))
		}
		return key.Secret, nil
	}
	return nil, fmt.Errorf("unknown signing key %q", kid)
}

// rotation returns the change that adds a new signing key, retires the
// others and drops those retired longer ago than a session lives.
func (k *keyring) rotation(set keySet, version uint64) (change, error) {
	now := k.cs.now().UTC()
	next := keySet{}
	for _, key := range set.Keys {
		if key.Retired == nil {
			key.Retired = &now
		}
		if now.Sub(*key.Retired) <= k.cs.opts.SessionTTL {
			next.Keys = append(next.Keys, key)
		}
	}
	action := "keys.rotate"
	if len(set.Keys) == 0 {
		action = "keys.create"
	}
	return k.withNewKey(next, version, now, action)
}

// cutOff returns the change that replaces every key with a new one: every
// session signed before it stops verifying.
func (k *keyring) cutOff(version uint64) (change, error) {
	return k.withNewKey(keySet{}, version, k.cs.now().UTC(), "keys.rotate-revoke-all")
}

// withNewKey returns the change that writes next, with a new signing key
// appended, over the keys record read at version.
func (k *keyring) withNewKey(next keySet, version uint64, now time.Time, action string) (change, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return change{}, err
	}
	id := make([]byte, 6)
	if _, err := rand.Read(id); err != nil {
		return change{}, err
	}
	kid := "k-" + hex.EncodeToString(id)
	next.Keys = append(next.Keys, signingKey{Kid: kid, Secret: secret, Created: now})
	data, err := json.Marshal(next)
	if err != nil {
		return change{}, err
	}
	put := storage.Put(storage.BucketSessionKeys, sessionKeysKey, data)
	put.Expect = int64(version)
	return change{ops: []storage.Command{put}, action: action, target: "session-signing-key/" + kid}, nil
}

// rotateRequest is the optional body of a rotation.
type rotateRequest struct {
	// RevokeAll ends every session now, the caller's included.
	RevokeAll bool `json:"revokeAll"`
}

// rotateKeys is POST /api/v1/sovereign/keys/rotate: a new key signs from
// now on; sessions signed by the old ones stay valid until they expire,
// unless the body is {"revokeAll":true}: then every session ends now.
func (cs *console) rotateKeys(c *fiber.Ctx) error {
	sess := sessionOf(c)
	var req rotateRequest
	if len(bytes.TrimSpace(c.Body())) > 0 {
		if err := decodeBody(c, &req); err != nil {
			return err
		}
	}
	err := cs.commit(c, sess.Email, func() (change, error) {
		set, version, err := cs.keys.load()
		if err != nil {
			return change{}, err
		}
		if req.RevokeAll {
			return cs.keys.cutOff(version)
		}
		return cs.keys.rotation(set, version)
	})
	if err != nil {
		return err
	}
	set, _, err := cs.keys.load()
	if err != nil {
		return err
	}
	infos := make([]KeyInfo, 0, len(set.Keys))
	for _, key := range set.Keys {
		infos = append(infos, KeyInfo{Kid: key.Kid, Created: key.Created, Retired: key.Retired})
	}
	return c.JSON(fiber.Map{"current": set.Keys[len(set.Keys)-1].Kid, "keys": infos, "revokedAll": req.RevokeAll})
}
