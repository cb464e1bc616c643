import { useMemo, useState } from 'react'
import { api, SOV } from '../api/client'
import { useAudit, useMe } from '../api/queries'
import { IconAudit } from '../components/icons'
import { Badge, Card, Empty, ErrorState, errorText, Loading, Notice, PageHeader } from '../components/ui'
import { canVerifyHere, subtleSha256, verifyChain, type ChainResult } from '../lib/auditchain'
import { shapeAudit, type AuditEntry } from '../lib/models'
import { can } from '../lib/roles'
import { when } from '../lib/shape'

const PAGE = 50

/** pageWindow says which entries page p (0: newest) holds: after and limit. */
export function pageWindow(head: number, p: number, size = PAGE): { after: number; limit: number } {
  const end = Math.max(0, head - p * size)
  const after = Math.max(0, end - size)
  return { after, limit: Math.max(1, end - after) }
}

function Verify() {
  const [res, setRes] = useState<ChainResult | null>(null)
  const [busy, setBusy] = useState(false)
  const [err, setErr] = useState('')
  const run = async () => {
    setBusy(true)
    setErr('')
    setRes(null)
    try {
      const all: AuditEntry[] = []
      let after = 0
      let head = { seq: 0, hash: '' }
      for (let i = 0; i < 10_000; i++) {
        const page = shapeAudit(await api(`${SOV}/audit?after=${after}&limit=1000`))
        head = { seq: page.headSeq, hash: page.headHash }
        all.push(...page.entries)
        if (page.entries.length === 0 || all.length >= head.seq) break
        after = page.entries[page.entries.length - 1].seq
      }
      setRes(await verifyChain(all, head.seq, head.hash, subtleSha256))
    } catch (e) {
      setErr(errorText(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <Card title="Chain verification">
      <p className="muted">Each entry carries the hash of the one before it. Verifying reads the whole trail and recomputes every hash in this browser.</p>
      {canVerifyHere() ? (
        <button type="button" className="btn" onClick={run} disabled={busy}><IconAudit size={16} /> {busy ? 'Verifying…' : 'Verify the chain'}</button>
      ) : (
        <Notice kind="warn">This browser offers no hashing here (it needs HTTPS or a loopback address). Use <code>sovereign audit verify</code> instead.</Notice>
      )}
      {res ? <div data-testid="chain-result"><Notice kind={res.ok ? 'ok' : 'error'}>{res.ok ? 'Chain intact: ' : 'Chain broken: '}{res.message}.</Notice></div> : null}
      {err ? <Notice kind="error">{err}</Notice> : null}
    </Card>
  )
}

export function AuditPage() {
  const me = useMe()
  const allowed = can(me.data?.role, 'audit.read')
  const probe = useAudit(0, 1, allowed)
  const head = probe.data?.headSeq ?? 0
  const [page, setPage] = useState(0)
  const win = pageWindow(head, page)
  const entries = useAudit(win.after, win.limit, allowed && head > 0)
  const [actor, setActor] = useState('')
  const [action, setAction] = useState('')
  const pages = Math.max(1, Math.ceil(head / PAGE))

  const rows = useMemo(() => {
    const list = [...(entries.data?.entries ?? [])].reverse()
    const a = actor.trim().toLowerCase()
    const b = action.trim().toLowerCase()
    return list.filter((e) => (!a || e.actor.toLowerCase().includes(a)) && (!b || e.action.toLowerCase().includes(b)))
  }, [entries.data, actor, action])

  if (!allowed) return <><PageHeader title="Audit" /><Empty title="Not available to your role">The audit trail is read by sovereign-admin and security-officer.</Empty></>

  const pending = probe.isPending || (head > 0 && entries.isPending)
  const error = probe.error ?? entries.error
  return (
    <>
      <PageHeader title="Audit" subtitle="Every write to this Sovereign, who made it and when, newest first." />
      <Verify />
      <div className="toolbar">
        <div className="field-inline">
          <label htmlFor="f-actor">Actor</label>
          <input id="f-actor" value={actor} onChange={(e) => setActor(e.target.value)} placeholder="admin@…" />
        </div>
        <div className="field-inline">
          <label htmlFor="f-action">Action</label>
          <input id="f-action" value={action} onChange={(e) => setAction(e.target.value)} placeholder="user.create" />
        </div>
        <span className="muted small">{head} entries</span>
      </div>
      {pending ? <Loading label="Loading the trail" /> : error ? <ErrorState error={error} onRetry={() => { probe.refetch(); entries.refetch() }} /> : head === 0 ? (
        <Empty title="The trail is empty">Nothing has been written yet.</Empty>
      ) : rows.length === 0 ? (
        <Empty title="No entry on this page matches">Clear the filters, or look at another page.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Target</th></tr></thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td className="nowrap">{when(e.time) || '—'}</td>
                  <td>{e.actor || <span className="muted">system</span>}</td>
                  <td><Badge tone={e.action.includes('delete') || e.action.includes('remove') ? 'red' : e.action.includes('create') ? 'green' : 'neutral'}>{e.action}</Badge></td>
                  <td className="break"><code>{e.target}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {head > PAGE ? (
        <nav className="pager" aria-label="Audit pages">
          <button type="button" className="btn btn-small" disabled={page === 0} onClick={() => setPage(page - 1)}>Newer</button>
          <span className="small">Page {page + 1} of {pages}</span>
          <button type="button" className="btn btn-small" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>Older</button>
        </nav>
      ) : null}
    </>
  )
}
