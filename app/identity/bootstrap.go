package identity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	n, err := d.Count()
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "", nil
	}
	password, err = RandomPassword(24)
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dataDir, PasswordFile)
	if err := writeSecret(path, []byte(password+"\n")); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := d.Create(ctx, User{Email: email, Name: "Administrator", Role: RoleSovereignAdmin, PasswordHash: hash}); err != nil {
		return "", fmt.Errorf("create bootstrap administrator: %w", err)
	}
	return password, nil
}

// writeSecret writes data with mode 0600 under a temporary name, then
// renames it into place, so no reader ever sees a partial or looser file.
func writeSecret(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
