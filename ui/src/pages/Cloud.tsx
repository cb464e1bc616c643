import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, SOV } from '../api/client'
import { keys, useMe, useTopology } from '../api/queries'
import { IconEdit, IconPlus, IconTrash } from '../components/icons'
import { Badge, Dialog, Empty, ErrorState, errorText, Field, Loading, Notice, PageHeader, StatusBadge } from '../components/ui'
import { can } from '../lib/roles'
import { arr, obj, str } from '../lib/shape'
import {
  entityBody, entityValues, idsOf, KIND_FIELDS, KIND_LABEL, PARENT_KIND, PATTERNS,
  type EntityKind, type TopologyView, type TreeNode,
} from '../lib/topology'

const KINDS: EntityKind[] = ['regions', 'clusters', 'nodepools', 'nodes', 'vclusters', 'loadbalancers', 'networks']
const CHILD_KINDS: Partial<Record<EntityKind, EntityKind[]>> = {
  regions: ['clusters', 'networks'],
  clusters: ['nodepools', 'nodes', 'vclusters', 'loadbalancers'],
}

interface Editing {
  mode: 'create' | 'edit'
  kind: EntityKind
  id: string
  parentId: string
  values: Record<string, string>
  base: unknown
}

function EntityForm({ view, editing, onClose }: { view: TopologyView; editing: Editing; onClose: () => void }) {
  const qc = useQueryClient()
  const [e, setE] = useState<Editing>(editing)
  const pk = PARENT_KIND[e.kind]
  const parents = pk ? idsOf(view, pk, pk === 'clusters') : []
  const save = useMutation({
    mutationFn: () => {
      const body = entityBody(e.kind, e.values, e.parentId, e.id.trim(), e.base)
      return e.mode === 'create'
        ? api(`${SOV}/topology/${e.kind}`, { method: 'POST', body })
        : api(`${SOV}/topology/${e.kind}/${encodeURIComponent(e.id)}`, { method: 'PUT', body })
    },
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: keys.topology })
      onClose()
    },
  })
  const submit = (ev: FormEvent) => {
    ev.preventDefault()
    save.mutate()
  }
  return (
    <form onSubmit={submit} className="stack">
      {e.mode === 'create' ? (
        <Field id="ent-kind" label="Kind">
          <select id="ent-kind" value={e.kind} onChange={(x) => {
            const kind = x.target.value as EntityKind
            const p = PARENT_KIND[kind]
            setE({ ...e, kind, values: {}, parentId: p ? idsOf(view, p, p === 'clusters')[0] ?? '' : '' })
          }}>
            {KINDS.map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}
          </select>
        </Field>
      ) : null}
      {pk ? (
        <Field id="ent-parent" label={KIND_LABEL[pk]} hint={parents.length === 0 ? `Create a ${KIND_LABEL[pk].toLowerCase()} first.` : undefined}>
          <select id="ent-parent" value={e.parentId} disabled={e.mode === 'edit'} onChange={(x) => setE({ ...e, parentId: x.target.value })}>
            {parents.length === 0 ? <option value="">none</option> : null}
            {parents.map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </Field>
      ) : null}
      <Field id="ent-id" label="Id" hint={e.mode === 'create' ? 'Lower-case letters, digits and “-”; leave empty for a generated one.' : undefined}>
        <input id="ent-id" value={e.id} readOnly={e.mode === 'edit'} onChange={(x) => setE({ ...e, id: x.target.value })} />
      </Field>
      {KIND_FIELDS[e.kind].map((f) => {
        const id = `ent-${f.key}`
        const v = e.values[f.key] ?? ''
        const set = (val: string) => setE({ ...e, values: { ...e.values, [f.key]: val } })
        return (
          <Field key={f.key} id={id} label={f.label}>
            {f.type === 'status' ? (
              <select id={id} value={v || 'unknown'} onChange={(x) => set(x.target.value)}>
                {['healthy', 'degraded', 'failed', 'unknown'].map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            ) : f.type === 'isolation' ? (
              <select id={id} value={v || 'shared'} onChange={(x) => set(x.target.value)}>
                {['shared', 'dedicated', 'private'].map((s) => <option key={s} value={s}>{s}</option>)}
              </select>
            ) : (
              <input id={id} type={f.type === 'number' ? 'number' : 'text'} min={f.type === 'number' ? 0 : undefined} value={v} onChange={(x) => set(x.target.value)} />
            )}
          </Field>
        )
      })}
      {save.error ? <div className="form-error" role="alert">{errorText(save.error)}</div> : null}
      <div className="dialog-foot">
        <button type="button" className="btn" onClick={onClose}>Cancel</button>
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>{e.mode === 'create' ? `Create ${KIND_LABEL[e.kind].toLowerCase()}` : 'Save'}</button>
      </div>
    </form>
  )
}

function Node({ n, admin, onEdit, onDelete, onAdd }: {
  n: TreeNode; admin: boolean
  onEdit: (n: TreeNode) => void; onDelete: (n: TreeNode) => void; onAdd: (kind: EntityKind, parent: string) => void
}) {
  const editable = admin && n.kind !== 'cloud' && !n.builtIn
  const childKinds = n.kind !== 'cloud' && !(n.kind === 'clusters' && n.builtIn) ? CHILD_KINDS[n.kind] ?? [] : []
  return (
    <li className={`topo topo-${n.kind}`} data-kind={n.kind} data-id={n.id}>
      <div className="topo-row">
        <span className={`topo-kind kind-${n.kind}`}>{KIND_LABEL[n.kind]}</span>
        <span className="topo-name">{n.label}</span>
        {n.label !== n.id ? <code className="muted small">{n.id}</code> : null}
        {n.builtIn && n.kind === 'clusters' ? <Badge tone="blue">this Sovereign</Badge> : null}
        <span className="muted small topo-detail">{n.detail}</span>
        <span className="topo-end">
          <StatusBadge status={n.status} />
          {admin && childKinds.length > 0 ? (
            <>
              <label className="sr-only" htmlFor={`add-${n.kind}-${n.id}`}>Add to {n.id}</label>
              <select id={`add-${n.kind}-${n.id}`} className="add-select" value="" onChange={(e) => e.target.value && onAdd(e.target.value as EntityKind, n.id)}>
                <option value="">+ Add…</option>
                {childKinds.map((k) => <option key={k} value={k}>{KIND_LABEL[k]}</option>)}
              </select>
            </>
          ) : null}
          {editable ? (
            <>
              <button type="button" className="btn btn-small btn-ghost" onClick={() => onEdit(n)} aria-label={`Edit ${KIND_LABEL[n.kind].toLowerCase()} ${n.id}`}><IconEdit size={14} /></button>
              <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => onDelete(n)} aria-label={`Delete ${KIND_LABEL[n.kind].toLowerCase()} ${n.id}`}><IconTrash size={14} /></button>
            </>
          ) : null}
        </span>
      </div>
      {n.children.length > 0 ? (
        <ul>
          {n.children.map((c) => <Node key={`${c.kind}/${c.id}`} n={c} admin={admin} onEdit={onEdit} onDelete={onDelete} onAdd={onAdd} />)}
        </ul>
      ) : null}
    </li>
  )
}

export function CloudPage() {
  const me = useMe()
  const topology = useTopology()
  const qc = useQueryClient()
  const admin = can(me.data?.role, 'topology.write')
  const [editing, setEditing] = useState<Editing | null>(null)
  const [deleting, setDeleting] = useState<TreeNode | null>(null)
  const [loadError, setLoadError] = useState('')

  const pattern = useMutation({
    mutationFn: (p: string) => api(`${SOV}/topology/pattern`, { method: 'PUT', body: { pattern: p } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.topology }),
  })
  const remove = useMutation({
    mutationFn: (n: TreeNode) => api(`${SOV}/topology/${n.kind}/${encodeURIComponent(n.id)}`, { method: 'DELETE' }),
    onSuccess: () => {
      setDeleting(null)
      qc.invalidateQueries({ queryKey: keys.topology })
    },
  })

  const startEdit = async (n: TreeNode) => {
    if (n.kind === 'cloud') return
    setLoadError('')
    try {
      const list = await api(`${SOV}/topology/${n.kind}`)
      const stored = arr(obj(list).items).find((x) => str(obj(x).id) === n.id)
      setEditing({ mode: 'edit', kind: n.kind, id: n.id, parentId: n.parentId, values: entityValues(n.kind, stored ?? {}), base: stored ?? {} })
    } catch (e) {
      setLoadError(errorText(e))
    }
  }
  const startCreate = (kind: EntityKind, parentId: string) => setEditing({ mode: 'create', kind, id: '', parentId, values: {}, base: {} })

  const v = topology.data
  return (
    <>
      <PageHeader
        title="Cloud"
        subtitle="Clouds, regions, clusters and what runs in them."
        actions={admin && v ? <button type="button" className="btn btn-primary" onClick={() => startCreate('regions', '')}><IconPlus size={16} /> Add entity</button> : null}
      />
      {loadError ? <Notice kind="error">{loadError}</Notice> : null}
      {pattern.error ? <Notice kind="error">{errorText(pattern.error)}</Notice> : null}
      {topology.isPending ? <Loading label="Loading the topology" /> : topology.error ? <ErrorState error={topology.error} onRetry={() => topology.refetch()} /> : !v || v.clouds.length === 0 ? (
        <Empty title="No topology yet">This node reported no region. {admin ? 'Add a region with “Add entity”.' : ''}</Empty>
      ) : (
        <>
          <div className="toolbar">
            <div className="field-inline">
              <label htmlFor="pattern">Pattern</label>
              <select id="pattern" value={PATTERNS.includes(v.pattern) ? v.pattern : ''} disabled={!admin || pattern.isPending} onChange={(e) => pattern.mutate(e.target.value)}>
                {PATTERNS.includes(v.pattern) ? null : <option value="">{v.pattern}</option>}
                {PATTERNS.map((p) => <option key={p} value={p}>{p}</option>)}
              </select>
            </div>
            <div className="counts" aria-label="Counts">
              {KINDS.map((k) => <Badge key={k}>{v.counts[k]} {KIND_LABEL[k].toLowerCase()}{v.counts[k] === 1 ? '' : 's'}</Badge>)}
            </div>
          </div>
          <div className="card">
            <ul className="topo-tree" aria-label="Topology">
              {v.clouds.map((c) => (
                <Node key={c.id} n={c} admin={admin} onEdit={startEdit} onDelete={(n) => { remove.reset(); setDeleting(n) }} onAdd={startCreate} />
              ))}
            </ul>
          </div>
        </>
      )}
      <Dialog title={editing ? (editing.mode === 'create' ? 'Add to the topology' : `Edit ${KIND_LABEL[editing.kind].toLowerCase()} ${editing.id}`) : ''} open={!!editing} onClose={() => setEditing(null)}>
        {editing && v ? <EntityForm key={`${editing.mode}-${editing.kind}-${editing.id}-${editing.parentId}`} view={v} editing={editing} onClose={() => setEditing(null)} /> : null}
      </Dialog>
      <Dialog title="Delete from the topology?" open={!!deleting} onClose={() => setDeleting(null)}>
        {deleting ? (
          <div className="stack">
            <p>Delete {KIND_LABEL[deleting.kind].toLowerCase()} <strong>{deleting.id}</strong>? Entities it holds must be deleted first.</p>
            {remove.error ? <div className="form-error" role="alert">{errorText(remove.error)}</div> : null}
            <div className="dialog-foot">
              <button type="button" className="btn" onClick={() => setDeleting(null)}>Cancel</button>
              <button type="button" className="btn btn-danger" disabled={remove.isPending} onClick={() => remove.mutate(deleting)}>Delete</button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </>
  )
}
