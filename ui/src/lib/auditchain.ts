// Verifies the audit trail's hash chain in the browser, the way the server
// builds it (app/audit.go): entry n carries the SHA-256 of its own JSON
// with "hash" empty, and "prev" is entry n-1's hash (64 zeros for the
// first); the head names the last entry's number and hash.

import type { AuditEntry } from './models'

export const GENESIS = '0'.repeat(64)

/** goString encodes s the way Go's encoding/json does (HTML-safe). */
export function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
}

/** canonical is the JSON the server hashed: fields in the struct's order. */
export function canonical(e: AuditEntry): string {
  return (
    `{"seq":${e.seq},"time":${goString(e.time)},"actor":${goString(e.actor)},"action":${goString(e.action)},` +
    `"target":${goString(e.target)},"requestId":${goString(e.requestId)},"prev":${goString(e.prev)},"hash":""}`
  )
}

export type Sha256 = (text: string) => Promise<string>

export interface ChainResult {
  ok: boolean
  checked: number
  message: string
}

/** verifyChain checks entries (all of them, from seq 1, oldest first)
 * against each other and against the head. */
export async function verifyChain(entries: AuditEntry[], headSeq: number, headHash: string, sha256: Sha256): Promise<ChainResult> {
  let prev = GENESIS
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]
    if (e.seq !== i + 1) return { ok: false, checked: i, message: `entry ${i + 1} is missing (found ${e.seq} in its place)` }
    if (e.prev !== prev) return { ok: false, checked: i, message: `entry ${e.seq} does not link to entry ${e.seq - 1}` }
    const h = await sha256(canonical(e))
    if (h !== e.hash) return { ok: false, checked: i, message: `entry ${e.seq} was altered: its hash does not match its content` }
    prev = h
  }
  if (entries.length !== headSeq) return { ok: false, checked: entries.length, message: `the head names entry ${headSeq} but ${entries.length} entries were read` }
  if (headSeq > 0 && prev !== headHash) return { ok: false, checked: entries.length, message: 'the last entry disagrees with the head' }
  return { ok: true, checked: entries.length, message: headSeq === 0 ? 'the trail is empty' : `all ${headSeq} entries verified from the first to the head` }
}

/** subtleSha256 hashes with the browser's Web Crypto (secure contexts only). */
export async function subtleSha256(text: string): Promise<string> {
  const buf = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export function canVerifyHere(): boolean {
  return typeof crypto !== 'undefined' && !!crypto.subtle
}
