import { Link } from '@tanstack/react-router'
import type { ReactNode } from 'react'
import { useCatalog, useClusterStatus, useMe, useSettings, useTopology, useUsers } from '../api/queries'
import { Card, ErrorState, Loading, Notice, PageHeader, StatusBadge } from '../components/ui'
import { can } from '../lib/roles'
import { ago, type Health } from '../lib/shape'

function Stat({ label, value, to, pending, failed }: { label: string; value: ReactNode; to?: string; pending?: boolean; failed?: boolean }) {
  const body = (
    <>
      <div className="stat-value">{pending ? <span className="skeleton" aria-label="loading" /> : failed ? '—' : value}</div>
      <div className="stat-label">{label}</div>
    </>
  )
  return to ? <Link to={to} className="stat stat-link">{body}</Link> : <div className="stat">{body}</div>
}

function Row({ k, v }: { k: string; v: ReactNode }) {
  return (
    <div className="kv-row">
      <dt>{k}</dt>
      <dd>{v === '' || v === undefined || v === null ? <span className="muted">not set</span> : v}</dd>
    </div>
  )
}

export function DashboardPage() {
  const me = useMe()
  const role = me.data?.role
  const settings = useSettings()
  const users = useUsers(can(role, 'users.read'))
  const catalog = useCatalog()
  const topology = useTopology()
  const cluster = useClusterStatus(can(role, 'cluster.read'), true)

  const st = settings.data
  const fqdn = st?.sovereignFQDN || me.data?.sovereignFQDN || ''
  const home = topology.data?.clouds.flatMap((c) => c.children).flatMap((r) => r.children).find((c) => c.builtIn)
  const members = cluster.data?.members ?? []
  const leader = cluster.data?.leader || home?.children.find((n) => n.role === 'leader')?.id || ''
  const self = members.find((m) => m.self)
  const clusterHealth: Health = cluster.data
    ? members.length === 0 ? 'unknown' : members.every((m) => m.reachable) && leader ? 'healthy' : 'degraded'
    : home?.status ?? 'unknown'

  return (
    <>
      <PageHeader title="Dashboard" subtitle="This Sovereign at a glance." />
      {settings.isSuccess && !fqdn ? (
        <Notice kind="warn">
          This node knows no FQDN yet, so handover links and console addresses cannot be checked. Start it with{' '}
          <code>--fqdn sovereign.example.org</code> (or set <code>CATALYST_OTECH_FQDN</code>), or set the FQDN on the{' '}
          <Link to="/settings">Settings</Link> page.
        </Notice>
      ) : null}
      <div className="stats">
        <Stat label="Users" value={users.data?.length ?? 0} to="/users" pending={users.isLoading} failed={!!users.error || !can(role, 'users.read')} />
        <Stat label="Blueprints" value={catalog.data?.length ?? 0} to="/apps" pending={catalog.isLoading} failed={!!catalog.error} />
        <Stat label="Topology entities" value={topology.data?.total ?? 0} to="/cloud" pending={topology.isLoading} failed={!!topology.error} />
        <Stat label="Cluster members" value={members.length || home?.children.filter((n) => n.kind === 'nodes').length || 0} to={can(role, 'cluster.read') ? '/cluster' : undefined} pending={cluster.isLoading || topology.isLoading} failed={members.length === 0 && !home} />
      </div>
      <div className="grid-2">
        <Card title="Identity">
          {settings.isPending ? <Loading /> : settings.error ? <ErrorState title="Could not read the identity" error={settings.error} onRetry={() => settings.refetch()} /> : (
            <dl className="kv">
              <Row k="FQDN" v={fqdn ? <code>{fqdn}</code> : ''} />
              <Row k="Deployment id" v={st?.deploymentId ? <code>{st.deploymentId}</code> : ''} />
              <Row k="Region" v={st?.region} />
              <Row k="Provider" v={st?.provider} />
              <Row k="Version" v={st?.version} />
              <Row k="Handover" v={st?.handoverISO ? new Date(st.handoverISO).toLocaleString() : ''} />
            </dl>
          )}
        </Card>
        <Card title="Cluster health" actions={<StatusBadge status={clusterHealth} />}>
          {can(role, 'cluster.read') ? (
            cluster.isPending ? <Loading /> : cluster.error ? <ErrorState title="Could not ask the cluster" error={cluster.error} onRetry={() => cluster.refetch()} /> : (
              <dl className="kv">
                <Row k="Region" v={cluster.data?.region} />
                <Row k="Leader" v={leader ? <code>{leader}</code> : <span className="text-red">no leader</span>} />
                <Row k="Members" v={`${members.length} (${members.filter((m) => m.reachable).length} reachable)`} />
                <Row k="Last contact" v={members.filter((m) => !m.self).map((m) => `${m.id}: ${ago(m.lastContact) || 'never'}`).join(' · ') || 'single node'} />
                <Row k="Applied index" v={self ? `${self.appliedIndex} (commit ${self.commitIndex})` : ''} />
              </dl>
            )
          ) : topology.isPending ? <Loading /> : (
            <dl className="kv">
              <Row k="Cluster" v={home?.label ?? ''} />
              <Row k="Nodes" v={home ? String(home.children.filter((n) => n.kind === 'nodes').length) : ''} />
            </dl>
          )}
        </Card>
      </div>
    </>
  )
}
