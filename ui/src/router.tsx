// The console's routes. Every page reads its parameters where it is
// mounted; /provision/<deploymentId>/<page> links land on the same page.

import { createRootRoute, createRoute, createRouter, Navigate, Outlet, useParams } from '@tanstack/react-router'
import { Shell } from './components/Shell'
import { Empty } from './components/ui'
import { provisionTarget } from './lib/links'
import { AppDetailPage } from './pages/AppDetail'
import { AppsPage } from './pages/Apps'
import { AuditPage } from './pages/Audit'
import { CloudPage } from './pages/Cloud'
import { ClusterPage } from './pages/Cluster'
import { DashboardPage } from './pages/Dashboard'
import { LoginPage } from './pages/Login'
import { SettingsPage } from './pages/Settings'
import { UsersPage } from './pages/Users'

function NotFound() {
  return (
    <Empty title="No such page">
      This address is not a page of the console. <a href="/dashboard">Go to the dashboard</a>.
    </Empty>
  )
}

const root = createRootRoute({ component: Outlet, notFoundComponent: NotFound })

export interface LoginSearch {
  reason?: string
  next?: string
}

const login = createRoute({
  getParentRoute: () => root,
  path: '/login',
  validateSearch: (s: Record<string, unknown>): LoginSearch => ({
    reason: typeof s.reason === 'string' ? s.reason : undefined,
    next: typeof s.next === 'string' ? s.next : undefined,
  }),
  component: LoginPage,
})

const shell = createRoute({ getParentRoute: () => root, id: 'shell', component: Shell, notFoundComponent: NotFound })

const index = createRoute({ getParentRoute: () => shell, path: '/', component: () => <Navigate to="/dashboard" replace /> })
const dashboard = createRoute({ getParentRoute: () => shell, path: '/dashboard', component: DashboardPage })
const apps = createRoute({ getParentRoute: () => shell, path: '/apps', component: AppsPage })
const app = createRoute({ getParentRoute: () => shell, path: '/app/$slug', component: AppDetailPage })
const users = createRoute({ getParentRoute: () => shell, path: '/users', component: UsersPage })
const settings = createRoute({ getParentRoute: () => shell, path: '/settings', component: SettingsPage })
const cloud = createRoute({ getParentRoute: () => shell, path: '/cloud', component: CloudPage })
const cluster = createRoute({ getParentRoute: () => shell, path: '/cluster', component: ClusterPage })
const audit = createRoute({ getParentRoute: () => shell, path: '/audit', component: AuditPage })

function Provision() {
  const params = useParams({ strict: false }) as Record<string, unknown>
  const splat = typeof params._splat === 'string' ? params._splat : ''
  return <Navigate to={provisionTarget(splat)} replace />
}

const provision = createRoute({ getParentRoute: () => shell, path: '/provision/$deploymentId/$', component: Provision })
const provisionRoot = createRoute({ getParentRoute: () => shell, path: '/provision/$deploymentId', component: () => <Navigate to="/dashboard" replace /> })

const tree = root.addChildren([
  login,
  shell.addChildren([index, dashboard, apps, app, users, settings, cloud, cluster, audit, provision, provisionRoot]),
])

export const router = createRouter({ routeTree: tree, defaultPreload: false, scrollRestoration: true })

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router
  }
}
