// Who may do what, as the server decides it in app/authz.go. The console
// only uses this to hide what a role cannot do; the server refuses it
// anyway.

export const ROLES = [
  'sovereign-admin',
  'org-admin',
  'org-developer',
  'org-viewer',
  'security-officer',
  'billing-admin',
] as const

export type Role = (typeof ROLES)[number]

export type Action =
  | 'users.read'
  | 'users.write'
  | 'catalog.read'
  | 'catalog.publish'
  | 'settings.read'
  | 'settings.write'
  | 'topology.read'
  | 'topology.write'
  | 'keys.rotate'
  | 'audit.read'
  | 'cluster.read'
  | 'cluster.write'

const adminOnly: readonly string[] = ['sovereign-admin']
const readers: readonly string[] = ['sovereign-admin', 'org-admin', 'org-developer', 'org-viewer', 'security-officer']
const auditRoles: readonly string[] = ['sovereign-admin', 'security-officer']

const policy: Record<Action, readonly string[]> = {
  'users.read': readers,
  'users.write': adminOnly,
  'catalog.read': ROLES,
  'catalog.publish': adminOnly,
  'settings.read': ROLES,
  'settings.write': adminOnly,
  'topology.read': ROLES,
  'topology.write': adminOnly,
  'keys.rotate': adminOnly,
  'audit.read': auditRoles,
  'cluster.read': adminOnly,
  'cluster.write': adminOnly,
}

/** can reports whether role may perform action; an unknown role may nothing. */
export function can(role: string | undefined, action: Action): boolean {
  if (!role) return false
  return (policy[action] ?? []).includes(role)
}

export function isRole(v: string): v is Role {
  return (ROLES as readonly string[]).includes(v)
}

/** The pages of the console and the action each needs to be shown. */
export const PAGE_ACTION: Record<string, Action | null> = {
  dashboard: null,
  apps: 'catalog.read',
  users: 'users.read',
  settings: 'settings.read',
  cloud: 'topology.read',
  cluster: 'cluster.read',
  audit: 'audit.read',
}

export function canSee(role: string | undefined, page: string): boolean {
  const a = PAGE_ACTION[page]
  if (a === undefined) return false
  return a === null ? !!role : can(role, a)
}
