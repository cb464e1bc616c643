package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/openova-io/sovereign/app/identity"
	"github.com/openova-io/sovereign/storage"
)

// Checking a session's signature and decoding its claims costs more than
// everything else a console read does, and the console sends the same
// token with every request. So verified tokens are remembered, and users
// are kept decoded under their record's Raft index. Neither cache can make
// a session outlive what the state says: expiry and the signing key are
// checked on every request, revocation and the user are read from the
// store on every request, and a user record that changed has a new index.

// maxCachedSessions bounds each cache; a full cache starts over.
const maxCachedSessions = 10_000

type sessionCache struct {
	mu     sync.Mutex
	tokens map[string]cachedToken
	users  map[string]cachedUser
}

// cachedToken is a verified token's claims and the key that signed it,
// which must still verify when the token comes again (keys.go: a rotation
// that ends every session drops the keys at once).
type cachedToken struct {
	claims SessionClaims
	kid    string
}

type cachedUser struct {
	mod  uint64
	user identity.User
}

func newSessionCache() *sessionCache {
	return &sessionCache{tokens: map[string]cachedToken{}, users: map[string]cachedUser{}}
}

func (sc *sessionCache) claims(token string) (cachedToken, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	c, ok := sc.tokens[token]
	return c, ok
}

func (sc *sessionCache) remember(token string, c cachedToken) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.tokens) >= maxCachedSessions {
		sc.tokens = map[string]cachedToken{}
	}
	// The token may alias fasthttp's request buffer, which is reused after
	// the request: the key must be a copy.
	sc.tokens[strings.Clone(token)] = c
}

// user reads user id from this node's state, decoding it only when its
// record changed since the last read.
func (sc *sessionCache) user(st Reader, id string) (identity.User, bool, error) {
	rec, ok, err := st.Get(storage.BucketUsers, []byte(id))
	if err != nil || !ok {
		return identity.User{}, false, err
	}
	sc.mu.Lock()
	cu, hit := sc.users[id]
	sc.mu.Unlock()
	if hit && cu.mod == rec.ModIndex {
		return cu.user, true, nil
	}
	var u identity.User
	if err := json.Unmarshal(rec.Value, &u); err != nil {
		return identity.User{}, false, fmt.Errorf("user %s: %w", id, err)
	}
	sc.mu.Lock()
	if len(sc.users) >= maxCachedSessions {
		sc.users = map[string]cachedUser{}
	}
	sc.users[id] = cachedUser{mod: rec.ModIndex, user: u}
	sc.mu.Unlock()
	return u, true, nil
}
