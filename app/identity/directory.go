package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/openova-io/sovereign/storage"
)

// Proposer proposes a command to the cluster and waits for it to apply.
type Proposer interface {
	Apply(ctx context.Context, cmd storage.Command) (storage.Result, error)
}

// Directory reads and changes users.
type Directory struct {
	node  Proposer
	store *storage.Store
	now   func() time.Time
}

// NewDirectory returns a directory over the node and its local state.
func NewDirectory(node Proposer, store *storage.Store) *Directory {
	return &Directory{node: node, store: store, now: time.Now}
}

// ErrEmailTaken is returned when another user has the email.
var ErrEmailTaken = errors.New("a user with this email already exists")

// Create adds u, giving it an id and creation time if it has none. The
// email is unique: the user and its index entry are written together, and
// both only if neither exists.
func (d *Directory) Create(ctx context.Context, u User) (User, error) {
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	if u.Created.IsZero() {
		u.Created = d.now().UTC().Truncate(time.Second)
	}
	if u.Status == "" {
		u.Status = StatusActive
	}
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	data, err := json.Marshal(u)
	if err != nil {
		return User{}, err
	}
	res, err := d.node.Apply(ctx, storage.Batch(
		storage.Create(storage.BucketUsers, []byte(u.ID), data),
		storage.Create(storage.BucketEmails, []byte(u.Email), []byte(u.ID)),
	))
	if err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Email, err)
	}
	if errors.Is(res.Err, storage.ErrVersionConflict) {
		return User{}, ErrEmailTaken
	}
	if res.Err != nil {
		return User{}, fmt.Errorf("create user %s: %w", u.Email, res.Err)
	}
	return u, nil
}

// Count returns the number of users.
func (d *Directory) Count() (int, error) {
	return d.store.Count(storage.BucketUsers)
}

// ByEmail returns the user with email, and whether there is one.
func (d *Directory) ByEmail(email string) (User, bool, error) {
	idx, ok, err := d.store.Get(storage.BucketEmails, []byte(strings.ToLower(strings.TrimSpace(email))))
	if err != nil || !ok {
		return User{}, false, err
	}
	rec, ok, err := d.store.Get(storage.BucketUsers, idx.Value)
	if err != nil || !ok {
		return User{}, false, err
	}
	var u User
	if err := json.Unmarshal(rec.Value, &u); err != nil {
		return User{}, false, fmt.Errorf("user %s: %w", idx.Value, err)
	}
	return u, true, nil
}
