package identity

import (
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
}
