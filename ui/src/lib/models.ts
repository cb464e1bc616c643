// Shapes of the other answers: the signed-in user, users, settings, the
// cluster's status and join tokens, and the audit trail.

import { arr, bool, num, obj, str, type Json } from './shape'

export interface Me {
  id: string
  email: string
  name: string
  role: string
  sovereignFQDN: string
  deploymentId: string
  expiresAt: string
}

export function shapeMe(v: Json): Me {
  const o = obj(v)
  return {
    id: str(o.id), email: str(o.email), name: str(o.name), role: str(o.role),
    sovereignFQDN: str(o.sovereignFQDN), deploymentId: str(o.deploymentId), expiresAt: str(o.expiresAt),
  }
}

export interface User {
  id: string
  email: string
  name: string
  role: string
  status: string
  lastSignInISO: string
}

export function shapeUsers(v: Json): User[] {
  const o = obj(v)
  const list = Array.isArray(v) ? v : arr(o.users)
  return list
    .map((x) => {
      const u = obj(x)
      return {
        id: str(u.id), email: str(u.email), name: str(u.name), role: str(u.role),
        status: str(u.status) || 'active', lastSignInISO: str(u.lastSignInISO),
      }
    })
    .filter((u) => u.id !== '')
}

/** activeAdmins counts the users who keep the Sovereign administrable. */
export function activeAdmins(users: User[]): number {
  return users.filter((u) => u.role === 'sovereign-admin' && u.status === 'active').length
}

/** lastAdminGuard says why a change to user u would be refused for
 * leaving no active sovereign-admin, or '' when it would not. */
export function lastAdminGuard(users: User[], u: User, change: { role?: string; status?: string; remove?: boolean }): string {
  const isAdmin = u.role === 'sovereign-admin' && u.status === 'active'
  if (!isAdmin || activeAdmins(users) > 1) return ''
  const stays = !change.remove && (change.role ?? u.role) === 'sovereign-admin' && (change.status ?? u.status) === 'active'
  return stays ? '' : 'This is the last active sovereign-admin; make another user sovereign-admin first.'
}

export interface Settings {
  sovereignFQDN: string
  deploymentId: string
  region: string
  provider: string
  handoverISO: string
  marketplaceEnabled: boolean
  features: Record<string, Json>
  version: string
}

export function shapeSettings(v: Json): Settings {
  const o = obj(v)
  const features = obj(o.features)
  return {
    sovereignFQDN: str(o.sovereignFQDN), deploymentId: str(o.deploymentId), region: str(o.region),
    provider: str(o.provider), handoverISO: str(o.handoverISO), marketplaceEnabled: bool(o.marketplaceEnabled),
    features, version: str(features.version),
  }
}

/** The binary's own feature keys: shown, never edited. */
export const RESERVED_FEATURES = ['catalogDigest', 'catalogBlueprints', 'version']

export interface Member {
  id: string
  address: string
  suffrage: string
  role: 'leader' | 'voter' | 'non-voter'
  self: boolean
  reachable: boolean
  lastContact: string
  appliedIndex: number
  commitIndex: number
  lastIndex: number
  term: number
  state: string
}

export interface ClusterStatus {
  region: string
  leader: string
  members: Member[]
}

export function shapeClusterStatus(v: Json): ClusterStatus {
  const o = obj(v)
  const members = arr(o.members)
    .map((x): Member => {
      const m = obj(x)
      const st = obj(m.status)
      const leader = bool(m.leader)
      const suffrage = str(m.suffrage)
      return {
        id: str(m.id), address: str(m.address), suffrage,
        role: leader ? 'leader' : suffrage === 'Voter' || suffrage === 'voter' ? 'voter' : 'non-voter',
        self: bool(m.self), reachable: bool(m.reachable) || bool(m.self), lastContact: str(m.lastContact),
        appliedIndex: num(st.appliedIndex), commitIndex: num(st.commitIndex), lastIndex: num(st.lastIndex),
        term: num(st.term), state: str(st.state),
      }
    })
    .filter((m) => m.id !== '')
  return { region: str(o.region), leader: str(o.leader) || members.find((m) => m.role === 'leader')?.id || '', members }
}

export interface JoinToken {
  id: string
  description: string
  created: string
  expires: string
}

export function shapeTokens(v: Json): JoinToken[] {
  const o = obj(v)
  return arr(Array.isArray(v) ? v : o.tokens)
    .map((x) => {
      const t = obj(x)
      return { id: str(t.id), description: str(t.description), created: str(t.created), expires: str(t.expires) }
    })
    .filter((t) => t.id !== '')
}

/** joinCommand is the line a new node runs to join this cluster. */
export function joinCommand(joinURL: string, token: string, region: string): string {
  const parts = ['sovereign serve', `--join ${joinURL || 'https://<member>:8443'}`, `--token ${token}`]
  if (region) parts.push(`--region ${region}`)
  return parts.join(' ')
}

export interface AuditEntry {
  seq: number
  time: string
  actor: string
  action: string
  target: string
  requestId: string
  prev: string
  hash: string
}

export interface AuditPage {
  entries: AuditEntry[]
  headSeq: number
  headHash: string
}

export function shapeAudit(v: Json): AuditPage {
  const o = obj(v)
  const head = obj(o.head)
  return {
    entries: arr(o.entries)
      .map((x) => {
        const e = obj(x)
        return {
          seq: num(e.seq), time: str(e.time), actor: str(e.actor), action: str(e.action), target: str(e.target),
          requestId: str(e.requestId), prev: str(e.prev), hash: str(e.hash),
        }
      })
      .filter((e) => e.seq > 0),
    headSeq: num(head.seq),
    headHash: str(head.hash),
  }
}
