// Links from OpenOva's console name pages under
// /provision/<deploymentId>/<page>; provisionTarget says where each lands
// here. Unknown pages land on the dashboard rather than failing.

const PAGES: Record<string, string> = {
  '': '/dashboard',
  dashboard: '/dashboard',
  overview: '/dashboard',
  apps: '/apps',
  catalog: '/apps',
  marketplace: '/apps',
  users: '/users',
  members: '/users',
  settings: '/settings',
  cloud: '/cloud',
  topology: '/cloud',
  infrastructure: '/cloud',
  cluster: '/cluster',
  audit: '/audit',
}

export function provisionTarget(splat: string): string {
  const parts = splat.split('/').filter(Boolean)
  const first = (parts[0] ?? '').toLowerCase()
  if ((first === 'app' || first === 'apps' || first === 'catalog') && parts[1]) {
    return `/app/${encodeURIComponent(parts[1])}`
  }
  return PAGES[first] ?? '/dashboard'
}

/** safeNext keeps a post-sign-in redirect inside the console. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/dashboard'
  if (/^\/(api|auth|metrics|healthz|readyz)(\/|$)/.test(next)) return '/dashboard'
  return next
}
