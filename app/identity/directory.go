package identity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/openova-io/sovereign/storage"
)

// Proposer proposes a command to the cluster and waits for it to apply.
type Proposer interface {
	Apply(ctx context.Context, cmd storage.Command) (storage.Result, error)
}

// Reader reads the node's local state (a *storage.Store).
type Reader interface {
	Get(bucket, key []byte) (storage.Record, bool, error)
	Scan(bucket, prefix []byte, fn func(key []byte, rec storage.Record) bool) error
	Empty(bucket []byte) (bool, error)
	Count(bucket []byte) (int, error)
}

// Directory reads and changes users.
type Directory struct {
	node  Proposer
	store Reader
	now   func() time.Time
}

// NewDirectory returns a directory over the node and its local state.
func NewDirectory(node Proposer, store Reader) *Directory {
	return &Directory{node: node, store: store, now: time.Now}
}

// ErrEmailTaken is returned when another user has the email.
var ErrEmailTaken = errors.New("a user with this email already exists")

// Prepare fills what a new user lacks: an id, the creation time, the
// active status, and the email in its stored form.
func (d *Directory) Prepare(u User) User {
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	if u.Created.IsZero() {
		u.Created = d.now().UTC().Truncate(time.Second)
	}
	if u.Status == "" {
		u.Status = StatusActive
	}
	u.Email = NormalizeEmail(u.Email)
	return u
}

// Create adds u, giving it an id and creation time if it has none. The
// email is unique: the user and its index entry are written together, and
// both only if neither exists.
func (d *Directory) Create(ctx context.Context, u User) (User, error) {
	u = d.Prepare(u)
	ops, err := CreateOps(u)
	if err != nil {
		return User{}, err
	}
	res, err := d.node.Apply(ctx, storage.Batch(ops...))
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

// CreateOps are the commands that add u (already prepared) and its email
// index entry, both only if neither exists.
func CreateOps(u User) ([]storage.Command, error) {
	data, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	return []storage.Command{
		storage.Create(storage.BucketUsers, []byte(u.ID), data),
		storage.Create(storage.BucketEmails, []byte(u.Email), []byte(u.ID)),
	}, nil
}

// UpdateOps are the commands that replace the user read at version with
// u. The email does not change; the version check makes a concurrent
// change fail rather than be overwritten.
func UpdateOps(u User, version uint64) ([]storage.Command, error) {
	data, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	put := storage.Put(storage.BucketUsers, []byte(u.ID), data)
	put.Expect = int64(version)
	return []storage.Command{put}, nil
}

// DeleteOps are the commands that remove the user read at version, and
// its email index entry.
func DeleteOps(u User, version uint64) []storage.Command {
	del := storage.Delete(storage.BucketUsers, []byte(u.ID))
	del.Expect = int64(version)
	return []storage.Command{del, storage.Delete(storage.BucketEmails, []byte(u.Email))}
}

// Empty reports whether there is no user at all.
func (d *Directory) Empty() (bool, error) {
	return d.store.Empty(storage.BucketUsers)
}

// Count returns the number of users.
func (d *Directory) Count() (int, error) {
	return d.store.Count(storage.BucketUsers)
}

// LookupEmail returns the user with email, its record version, and whether
// there is one.
func (d *Directory) LookupEmail(email string) (User, uint64, bool, error) {
	idx, ok, err := d.store.Get(storage.BucketEmails, []byte(NormalizeEmail(email)))
	if err != nil || !ok {
		return User{}, 0, false, err
	}
	return d.Get(string(idx.Value))
}

// Get returns the user with id, its record version, and whether there is one.
func (d *Directory) Get(id string) (User, uint64, bool, error) {
	rec, ok, err := d.store.Get(storage.BucketUsers, []byte(id))
	if err != nil || !ok {
		return User{}, 0, false, err
	}
	var u User
	if err := json.Unmarshal(rec.Value, &u); err != nil {
		return User{}, 0, false, fmt.Errorf("user %s: %w", id, err)
	}
	return u, rec.Version, true, nil
}

// List returns every user, sorted by email.
func (d *Directory) List() ([]User, error) {
	users := []User{}
	var derr error
	err := d.store.Scan(storage.BucketUsers, nil, func(key []byte, rec storage.Record) bool {
		var u User
		if err := json.Unmarshal(rec.Value, &u); err != nil {
			derr = fmt.Errorf("user %s: %w", key, err)
			return false
		}
		users = append(users, u)
		return true
	})
	if err == nil {
		err = derr
	}
	if err != nil {
		return nil, err
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Email < users[j].Email })
	return users, nil
}

// ActiveAdmins counts the active sovereign-admins.
func (d *Directory) ActiveAdmins() (int, error) {
	users, err := d.List()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		if u.Role == RoleSovereignAdmin && u.Active() {
			n++
		}
	}
	return n, nil
}
