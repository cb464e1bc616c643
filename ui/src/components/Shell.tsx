// The frame around every signed-in page: the sidebar, the header with the
// user and sign-out, and the session check.

import { Link, Outlet, useNavigate, useRouterState } from '@tanstack/react-router'
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { api, ApiError } from '../api/client'
import { useMe } from '../api/queries'
import { canSee } from '../lib/roles'
import { markSignedIn, markSignedOut } from '../session'
import { IconApps, IconAudit, IconCloud, IconCluster, IconDashboard, IconLogout, IconSettings, IconUsers, Logo } from './icons'
import { ErrorState, Loading } from './ui'

const NAV = [
  { page: 'dashboard', to: '/dashboard', label: 'Dashboard', icon: IconDashboard },
  { page: 'apps', to: '/apps', label: 'Apps', icon: IconApps },
  { page: 'cloud', to: '/cloud', label: 'Cloud', icon: IconCloud },
  { page: 'cluster', to: '/cluster', label: 'Cluster', icon: IconCluster },
  { page: 'users', to: '/users', label: 'Users', icon: IconUsers },
  { page: 'audit', to: '/audit', label: 'Audit', icon: IconAudit },
  { page: 'settings', to: '/settings', label: 'Settings', icon: IconSettings },
] as const

function initials(s: string): string {
  const parts = s.split(/[\s@.]+/).filter(Boolean)
  return ((parts[0]?.[0] ?? '?') + (parts[1]?.[0] ?? '')).toUpperCase()
}

export function Shell() {
  const me = useMe()
  const navigate = useNavigate()
  const qc = useQueryClient()
  const path = useRouterState({ select: (s) => s.location.pathname })
  const [signingOut, setSigningOut] = useState(false)

  useEffect(() => {
    if (me.data) markSignedIn()
  }, [me.data])

  useEffect(() => {
    if (me.error instanceof ApiError && me.error.status === 401) {
      navigate({ to: '/login', search: { next: path }, replace: true })
    }
  }, [me.error, navigate, path])

  if (me.isPending) return <div className="boot"><Loading label="Opening the console" /></div>
  if (me.error) {
    if (me.error instanceof ApiError && me.error.status === 401) return <div className="boot"><Loading label="Signing in" /></div>
    return (
      <div className="boot">
        <ErrorState error={me.error} title="The console cannot reach its node" onRetry={() => me.refetch()} />
      </div>
    )
  }
  const user = me.data
  const signOut = async () => {
    setSigningOut(true)
    try {
      await api('/api/v1/auth/session', { method: 'DELETE', quiet401: true })
    } catch {
      // The cookie is cleared by the server even when the session was
      // already gone; either way this browser is signed out.
    }
    markSignedOut()
    qc.clear()
    navigate({ to: '/login', search: { reason: 'signed-out' } })
  }

  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <aside className="sidebar" aria-label="Sovereign">
        <div className="brand">
          <Logo />
          <div>
            <div className="brand-name">Sovereign</div>
            <div className="brand-sub">{user.sovereignFQDN || 'Console'}</div>
          </div>
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => canSee(user.role, n.page)).map((n) => {
              const active = path === n.to || (n.page === 'apps' && path.startsWith('/app/'))
              const I = n.icon
              return (
                <li key={n.page}>
                  <Link to={n.to} className={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
                    <I /> <span>{n.label}</span>
                  </Link>
                </li>
              )
            })}
          </ul>
        </nav>
        <div className="sidebar-foot muted">Air-gapped control plane</div>
      </aside>
      <div className="main-col">
        <header className="topbar">
          <div className="topbar-title">{user.sovereignFQDN ? `console.${user.sovereignFQDN}` : 'Sovereign Console'}</div>
          <div className="topbar-user">
            <span className="avatar" aria-hidden="true">{initials(user.name || user.email)}</span>
            <div className="who">
              <div className="who-name">{user.name || user.email || 'signed in'}</div>
              <div className="who-role">{user.role || 'no role'}</div>
            </div>
            <button type="button" className="btn btn-ghost" onClick={signOut} disabled={signingOut}>
              <IconLogout size={16} /> Sign out
            </button>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          <Outlet />
        </main>
      </div>
    </div>
  )
}
