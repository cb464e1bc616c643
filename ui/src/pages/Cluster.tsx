import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, ApiError } from '../api/client'
import { keys, useClusterStatus, useMe, useTokens } from '../api/queries'
import { IconCrown, IconDownload, IconKey, IconTrash } from '../components/icons'
import { Badge, Card, CopyButton, Dialog, Empty, ErrorState, errorText, Field, Loading, Notice, PageHeader } from '../components/ui'
import { joinCommand, type Member } from '../lib/models'
import { can } from '../lib/roles'
import { ago, obj, str, when } from '../lib/shape'

function defaultJoinURL(): string {
  const { protocol, hostname, port } = window.location
  if (protocol === 'https:') return `https://${hostname}${port ? `:${port}` : ''}`
  return `https://${hostname}:8443`
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

function Snapshot() {
  const [state, setState] = useState<{ phase: 'idle' | 'running' | 'done' | 'error'; bytes: number; message: string }>({ phase: 'idle', bytes: 0, message: '' })
  const run = async () => {
    setState({ phase: 'running', bytes: 0, message: '' })
    try {
      const res = await fetch('/api/v1/cluster/snapshot', { credentials: 'same-origin' })
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => ({}))
        throw new ApiError(res.status, str(obj(body).error) || `snapshot failed (${res.status})`)
      }
      const total = Number(res.headers.get('Content-Length') || 0)
      const reader = res.body.getReader()
      const chunks: Uint8Array[] = []
      let bytes = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        chunks.push(value)
        bytes += value.length
        setState({ phase: 'running', bytes, message: total ? `${Math.round((bytes / total) * 100)} %` : '' })
      }
      const name = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '')?.[1] || 'sovereign.snapshot'
      const url = URL.createObjectURL(new Blob(chunks as BlobPart[], { type: 'application/octet-stream' }))
      const a = document.createElement('a')
      a.href = url
      a.download = name
      document.body.appendChild(a)
      a.click()
      a.remove()
      setTimeout(() => URL.revokeObjectURL(url), 10_000)
      setState({ phase: 'done', bytes, message: name })
    } catch (e) {
      setState({ phase: 'error', bytes: 0, message: errorText(e) })
    }
  }
  return (
    <Card title="Snapshot">
      <p className="muted">A consistent copy of this Sovereign's state, holding every acknowledged write. Restore it with <code>sovereign snapshot restore</code>.</p>
      <div className="row">
        <button type="button" className="btn" onClick={run} disabled={state.phase === 'running'}><IconDownload size={16} /> Download snapshot</button>
        {state.phase === 'running' ? (
          <span className="progress-wrap" role="status" aria-live="polite">
            <progress aria-label="Snapshot download" />
            <span className="small">{formatBytes(state.bytes)} {state.message}</span>
          </span>
        ) : null}
        {state.phase === 'done' ? <span className="small" role="status">Saved {state.message} ({formatBytes(state.bytes)}).</span> : null}
      </div>
      {state.phase === 'error' ? <Notice kind="error">{state.message}</Notice> : null}
    </Card>
  )
}

function Tokens({ region }: { region: string }) {
  const tokens = useTokens()
  const qc = useQueryClient()
  const [description, setDescription] = useState('')
  const [ttl, setTtl] = useState('24h')
  const [joinURL, setJoinURL] = useState(defaultJoinURL())
  const [created, setCreated] = useState<{ token: string; id: string } | null>(null)
  const create = useMutation({
    mutationFn: () => api('/api/v1/cluster/tokens', { method: 'POST', body: { ttl, description } }),
    onSuccess: (res) => {
      const o = obj(res)
      setCreated({ token: str(o.token), id: str(o.id) })
      setDescription('')
      qc.invalidateQueries({ queryKey: keys.tokens })
    },
  })
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api/v1/cluster/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.tokens }),
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    create.mutate()
  }
  const line = created ? joinCommand(joinURL, created.token, region) : ''
  const list = tokens.data ?? []
  return (
    <Card title="Join tokens">
      <form className="token-form" onSubmit={submit}>
        <Field id="tok-desc" label="Description"><input id="tok-desc" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="node n4 in rack 2" /></Field>
        <Field id="tok-ttl" label="Valid for">
          <select id="tok-ttl" value={ttl} onChange={(e) => setTtl(e.target.value)}>
            <option value="1h">1 hour</option>
            <option value="24h">24 hours</option>
            <option value="168h">7 days</option>
            <option value="">no expiry</option>
          </select>
        </Field>
        <Field id="tok-join" label="Address the new node joins"><input id="tok-join" value={joinURL} onChange={(e) => setJoinURL(e.target.value)} /></Field>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}><IconKey size={16} /> Create join token</button>
      </form>
      {create.error ? <Notice kind="error">{errorText(create.error)}</Notice> : null}
      {created ? (
        <div className="created-token" data-testid="join-token">
          <Notice kind="ok">Token created. It is shown only now; run this on the new node:</Notice>
          <div className="secret">
            <code className="wrap" data-testid="join-line">{line}</code>
            <CopyButton text={line} label="Copy command" />
          </div>
          <div className="secret">
            <code className="wrap">{created.token}</code>
            <CopyButton text={created.token} label="Copy token" />
          </div>
        </div>
      ) : null}
      <h3>Active tokens</h3>
      {tokens.isPending ? <Loading /> : tokens.error ? <ErrorState error={tokens.error} onRetry={() => tokens.refetch()} /> : list.length === 0 ? (
        <p className="muted">No join tokens. Create one to add a node.</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead><tr><th scope="col">Id</th><th scope="col">Description</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {list.map((t) => (
                <tr key={t.id}>
                  <td><code>{t.id}</code></td>
                  <td>{t.description || <span className="muted">—</span>}</td>
                  <td>{when(t.created) || '—'}</td>
                  <td>{when(t.expires) || <span className="muted">never</span>}</td>
                  <td className="row-actions"><button type="button" className="btn btn-small btn-danger-ghost" disabled={revoke.isPending} onClick={() => revoke.mutate(t.id)}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {revoke.error ? <Notice kind="error">{errorText(revoke.error)}</Notice> : null}
    </Card>
  )
}

export function ClusterPage() {
  const me = useMe()
  const role = me.data?.role
  const status = useClusterStatus(can(role, 'cluster.read'), true)
  const qc = useQueryClient()
  const writer = can(role, 'cluster.write')
  const [removing, setRemoving] = useState<Member | null>(null)
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null)

  const remove = useMutation({
    mutationFn: (m: Member) => api(`/api/v1/cluster/members/${encodeURIComponent(m.id)}`, { method: 'DELETE' }),
    onSuccess: (_r, m) => {
      setRemoving(null)
      setMessage({ kind: 'ok', text: `${m.id} was removed from the cluster.` })
      qc.invalidateQueries({ queryKey: keys.cluster })
    },
  })
  const transfer = useMutation({
    mutationFn: (node: string) => api('/api/v1/cluster/leadership', { method: 'POST', body: { node } }),
    onSuccess: (res) => {
      setMessage({ kind: 'ok', text: `Leadership moved; the leader is now ${str(obj(res).leader) || 'being elected'}.` })
      qc.invalidateQueries({ queryKey: keys.cluster })
    },
    onError: (e) => setMessage({ kind: 'error', text: errorText(e) }),
  })

  if (!can(role, 'cluster.read')) {
    return <><PageHeader title="Cluster" /><Empty title="Not available to your role">Only a sovereign-admin manages the cluster.</Empty></>
  }
  const d = status.data
  const members = d?.members ?? []
  return (
    <>
      <PageHeader
        title="Cluster"
        subtitle={<>The Raft members of region <strong>{d?.region || '…'}</strong>. Refreshed every 3 seconds{status.isFetching ? ' (refreshing)' : ''}.</>}
      />
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      <Card title="Members" actions={d ? <Badge tone={d.leader ? 'green' : 'red'}>{d.leader ? `leader ${d.leader}` : 'no leader'}</Badge> : null}>
        {status.isPending ? <Loading label="Asking the members" /> : status.error && !d ? <ErrorState error={status.error} onRetry={() => status.refetch()} /> : members.length === 0 ? (
          <Empty title="No members reported">The node answered without its members; it may still be starting.</Empty>
        ) : (
          <>
            {status.error ? <Notice kind="warn">The last refresh failed: {errorText(status.error)}</Notice> : null}
            <div className="table-wrap">
              <table className="table" aria-label="Cluster members">
                <thead>
                  <tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Address</th><th scope="col">Last contact</th><th scope="col">Applied</th><th scope="col">Commit</th>{writer ? <th scope="col"><span className="sr-only">Actions</span></th> : null}</tr>
                </thead>
                <tbody>
                  {members.map((m) => (
                    <tr key={m.id} data-member={m.id}>
                      <td>
                        <span className={`status ${m.reachable ? 'status-healthy' : 'status-failed'}`}><span className="dot" aria-hidden="true" /></span>
                        <strong>{m.id}</strong>{m.self ? <Badge tone="blue">this node</Badge> : null}
                        {!m.reachable ? <span className="sr-only"> (unreachable)</span> : null}
                      </td>
                      <td>{m.role === 'leader' ? <Badge tone="violet"><IconCrown size={12} /> leader</Badge> : <Badge>{m.role}</Badge>}</td>
                      <td><code>{m.address}</code></td>
                      <td>{m.self ? <span className="muted">—</span> : ago(m.lastContact) || <span className="muted">never</span>}</td>
                      <td>{m.appliedIndex || '—'}</td>
                      <td>{m.commitIndex || '—'}</td>
                      {writer ? (
                        <td className="row-actions">
                          {m.role !== 'leader' && m.role === 'voter' ? (
                            <button type="button" className="btn btn-small" disabled={transfer.isPending} onClick={() => transfer.mutate(m.id)}>Make leader</button>
                          ) : null}
                          {!m.self ? (
                            <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Remove ${m.id}`} onClick={() => { remove.reset(); setRemoving(m) }}><IconTrash size={14} /></button>
                          ) : null}
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Card>
      {writer ? (
        <>
          <Tokens region={d?.region ?? ''} />
          <Snapshot />
        </>
      ) : null}
      <Dialog title="Remove this member?" open={!!removing} onClose={() => setRemoving(null)}>
        {removing ? (
          <div className="stack">
            <p>Remove <strong>{removing.id}</strong> ({removing.address}) from the cluster? It stops receiving the log and will not elect itself again; to bring it back, wipe its data directory and join it with a new token.</p>
            {remove.error ? <div className="form-error" role="alert">{errorText(remove.error)}</div> : null}
            <div className="dialog-foot">
              <button type="button" className="btn" onClick={() => setRemoving(null)}>Cancel</button>
              <button type="button" className="btn btn-danger" disabled={remove.isPending} onClick={() => remove.mutate(removing)}>Remove member</button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </>
  )
}
