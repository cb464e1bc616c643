// Whether this tab has had a session: a 401 after that means the session
// ended (expired, revoked, password changed), and the sign-in page says so.

let signedIn = false

export function markSignedIn() {
  signedIn = true
}

export function markSignedOut() {
  signedIn = false
}

export function hadSession(): boolean {
  return signedIn
}
