package identity

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime/debug"

	"github.com/openova-io/sovereign/internal/atomicfile"
)

// PasswordFile is the name, in the data directory, of the file that holds
// the bootstrap administrator's password (mode 0600).
const PasswordFile = "admin-password"

// EnsureBootstrapAdmin creates the first administrator when the cluster has
// no user at all. The password is written to dataDir/admin-password before
// the user is proposed, so a crash in between leaves a file that the next
// start overwrites rather than a user no one can sign in as. It returns the
// password only when it created the user.
func EnsureBootstrapAdmin(ctx context.Context, d *Directory, email, dataDir string) (password string, err error) {
	empty, err := d.Empty()
	if err != nil || !empty {
		return "", err
	}
	password, err = RandomPassword(24)
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	// The only hash a first start makes; give its memory back at once
	// rather than carry it while idle.
	debug.FreeOSMemory()
	path := filepath.Join(dataDir, PasswordFile)
	if err := atomicfile.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := d.Create(ctx, User{Email: email, Name: "Administrator", Role: RoleSovereignAdmin, PasswordHash: hash}); err != nil {
		return "", fmt.Errorf("create bootstrap administrator: %w", err)
	}
	return password, nil
}
