package app

import "github.com/openova-io/sovereign/app/identity"

// A change to an account that must end its sessions (a new password, a
// disabled or re-enabled account, a changed role) adds one to the user's
// credential generation, and every session carries the generation it was
// minted under in its cred_gen claim. A session is valid only while the
// two are equal. This replaces comparing the session's iat with the time
// of the change: iat has whole seconds, so a session minted in the same
// second as a password change survived it.
//
// Tokens without the claim (minted before generations existed) are
// refused, not read as generation 0: every existing user's counter starts
// at 0, so reading a missing claim as 0 would revive sessions that an
// earlier password change had ended. The cost is one sign-in per user
// after the upgrade (a session lives 8 hours at most).
//
// Deleting a user needs no generation: the record goes, and a new user
// with the same email gets a new id, which no old session names.

// endSessions ends every session of u, when u is written back.
func endSessions(u *identity.User) { u.CredGen++ }

// credentialsCurrent reports whether claims were minted under u's current
// credential generation.
func credentialsCurrent(claims SessionClaims, u identity.User) bool {
	return claims.CredGen != nil && *claims.CredGen == u.CredGen
}
