package identity

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Roles, as the OpenOva console knows them.
const (
	RoleSovereignAdmin  = "sovereign-admin"
	RoleOrgAdmin        = "org-admin"
	RoleOrgDeveloper    = "org-developer"
	RoleOrgViewer       = "org-viewer"
	RoleSecurityOfficer = "security-officer"
	RoleBillingAdmin    = "billing-admin"
)

// Roles lists every role, most powerful first.
var Roles = []string{RoleSovereignAdmin, RoleOrgAdmin, RoleOrgDeveloper, RoleOrgViewer, RoleSecurityOfficer, RoleBillingAdmin}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Statuses of a user.
const (
	StatusActive   = "active"
	StatusDisabled = "disabled"
)

// User is one person who may sign in.
type User struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	Status       string     `json:"status"`
	PasswordHash string     `json:"passwordHash,omitempty"`
	Created      time.Time  `json:"created"`
	LastSignIn   *time.Time `json:"lastSignIn,omitempty"`
	// CredGen is the credential generation: every change that must end
	// the user's sessions (a new password, a disabled or re-enabled
	// account, a changed role) adds one, and a session is valid only while
	// it carries the current value. A record written before it existed
	// reads as 0.
	CredGen uint64 `json:"credGen,omitempty"`
}

// Active reports whether the user may sign in.
func (u User) Active() bool { return u.Status == StatusActive }

// NormalizeEmail is the form emails are stored and indexed in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CheckEmail says what is wrong with email, or nil.
func CheckEmail(email string) error {
	if len(email) > 254 {
		return fmt.Errorf("at most 254 characters")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return fmt.Errorf("%q is not an email address (for example ops@example.org)", email)
	}
	return nil
}

// Password length bounds: long enough to resist guessing at argon2id's
// cost, short enough that hashing stays bounded.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// CheckPassword says what is wrong with a new password, or nil.
func CheckPassword(pw string) error {
	if len(pw) < MinPasswordLen {
		return fmt.Errorf("at least %d characters", MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return fmt.Errorf("at most %d characters", MaxPasswordLen)
	}
	return nil
}
