import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { api, SOV } from '../api/client'
import { keys, useMe, useUsers } from '../api/queries'
import { IconPlus, IconTrash } from '../components/icons'
import { Badge, CopyButton, Dialog, Empty, ErrorState, errorText, Field, Loading, Notice, PageHeader } from '../components/ui'
import { lastAdminGuard, type User } from '../lib/models'
import { can, ROLES } from '../lib/roles'
import { obj, str, when } from '../lib/shape'

function AddUser({ open, onClose }: { open: boolean; onClose: () => void }) {
  const qc = useQueryClient()
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [role, setRole] = useState('org-viewer')
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null)
  const add = useMutation({
    mutationFn: () => api(`${SOV}/users`, { method: 'POST', body: { email: email.trim(), name: name.trim(), role } }),
    onSuccess: (res) => {
      const o = obj(res)
      setCreated({ email: str(obj(o.user).email) || email.trim(), password: str(o.password) })
      qc.invalidateQueries({ queryKey: keys.users })
    },
  })
  const close = () => {
    setEmail('')
    setName('')
    setRole('org-viewer')
    setCreated(null)
    add.reset()
    onClose()
  }
  const submit = (e: FormEvent) => {
    e.preventDefault()
    add.mutate()
  }
  return (
    <Dialog title={created ? 'User added' : 'Add a user'} open={open} onClose={close}>
      {created ? (
        <div className="stack">
          <Notice kind="ok"><strong>{created.email}</strong> can sign in now.</Notice>
          {created.password ? (
            <>
              <p>This generated password is shown <strong>only once</strong>. Give it to the user through a safe channel; they can change it later.</p>
              <div className="secret">
                <code data-testid="generated-password">{created.password}</code>
                <CopyButton text={created.password} label="Copy password" />
              </div>
            </>
          ) : null}
          <div className="dialog-foot"><button type="button" className="btn btn-primary" onClick={close}>Done</button></div>
        </div>
      ) : (
        <form onSubmit={submit} className="stack">
          <Field id="new-email" label="Email"><input id="new-email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus /></Field>
          <Field id="new-name" label="Name"><input id="new-name" value={name} onChange={(e) => setName(e.target.value)} /></Field>
          <Field id="new-role" label="Role">
            <select id="new-role" value={role} onChange={(e) => setRole(e.target.value)}>
              {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
            </select>
          </Field>
          <p className="muted small">A password is generated and shown once when the user is added.</p>
          {add.error ? <div className="form-error" role="alert">{errorText(add.error)}</div> : null}
          <div className="dialog-foot">
            <button type="button" className="btn" onClick={close}>Cancel</button>
            <button type="submit" className="btn btn-primary" disabled={add.isPending || !email.trim()}>{add.isPending ? 'Adding…' : 'Add user'}</button>
          </div>
        </form>
      )}
    </Dialog>
  )
}

export function UsersPage() {
  const me = useMe()
  const users = useUsers()
  const qc = useQueryClient()
  const [adding, setAdding] = useState(false)
  const [deleting, setDeleting] = useState<User | null>(null)
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null)
  const admin = can(me.data?.role, 'users.write')
  const list = users.data ?? []

  const patch = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Record<string, string> }) => api(`${SOV}/users/${encodeURIComponent(id)}`, { method: 'PATCH', body }),
    onSuccess: () => {
      setMessage({ kind: 'ok', text: 'Saved.' })
      qc.invalidateQueries({ queryKey: keys.users })
    },
    // The server decides (the last sovereign-admin is kept); its message says why.
    onError: (e) => setMessage({ kind: 'error', text: errorText(e) }),
  })
  const remove = useMutation({
    mutationFn: (u: User) => api(`${SOV}/users/${encodeURIComponent(u.id)}`, { method: 'DELETE' }),
    onSuccess: () => {
      setDeleting(null)
      setMessage({ kind: 'ok', text: 'User deleted.' })
      qc.invalidateQueries({ queryKey: keys.users })
    },
  })

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="People who can sign in to this Sovereign, and their roles."
        actions={admin ? <button type="button" className="btn btn-primary" onClick={() => setAdding(true)}><IconPlus size={16} /> Add user</button> : null}
      />
      {message ? <Notice kind={message.kind}>{message.text}</Notice> : null}
      {users.isPending ? <Loading label="Loading users" /> : users.error ? <ErrorState error={users.error} onRetry={() => users.refetch()} /> : list.length === 0 ? (
        <Empty title="No users">{admin ? 'Add the first one with “Add user”.' : 'Nobody can sign in yet.'}</Empty>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Status</th><th scope="col">Last sign-in</th>{admin ? <th scope="col"><span className="sr-only">Actions</span></th> : null}</tr>
            </thead>
            <tbody>
              {list.map((u) => {
                const isMe = u.id === me.data?.id
                const guardDisable = lastAdminGuard(list, u, { status: 'disabled' })
                return (
                  <tr key={u.id}>
                    <td>
                      <div className="strong">{u.name || u.email}{isMe ? <Badge tone="blue">you</Badge> : null}</div>
                      <div className="muted small">{u.email}</div>
                    </td>
                    <td>
                      {admin ? (
                        <>
                          <label className="sr-only" htmlFor={`role-${u.id}`}>Role of {u.email}</label>
                          <select id={`role-${u.id}`} value={u.role} disabled={patch.isPending}
                            onChange={(e) => {
                              patch.mutate({ id: u.id, body: { role: e.target.value } })
                            }}>
                            {(ROLES as readonly string[]).includes(u.role) ? null : <option value={u.role}>{u.role || 'none'}</option>}
                            {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                          </select>
                        </>
                      ) : <Badge tone={u.role === 'sovereign-admin' ? 'violet' : 'neutral'}>{u.role}</Badge>}
                    </td>
                    <td>{u.status === 'active' ? <Badge tone="green">active</Badge> : <Badge tone="red">{u.status}</Badge>}</td>
                    <td>{when(u.lastSignInISO) || <span className="muted">never</span>}</td>
                    {admin ? (
                      <td className="row-actions">
                        <button type="button" className="btn btn-small" disabled={patch.isPending}
                          title={u.status === 'active' && guardDisable ? guardDisable : undefined}
                          onClick={() => {
                            const next = u.status === 'active' ? 'disabled' : 'active'
                            patch.mutate({ id: u.id, body: { status: next } })
                          }}>
                          {u.status === 'active' ? 'Disable' : 'Enable'}
                        </button>
                        <button type="button" className="btn btn-small btn-danger-ghost" aria-label={`Delete ${u.email}`} onClick={() => { remove.reset(); setDeleting(u) }}>
                          <IconTrash size={14} />
                        </button>
                      </td>
                    ) : null}
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <AddUser open={adding} onClose={() => setAdding(false)} />
      <Dialog title="Delete this user?" open={!!deleting} onClose={() => setDeleting(null)}>
        {deleting ? (
          <div className="stack">
            <p><strong>{deleting.email}</strong> will no longer be able to sign in, and their sessions end. This cannot be undone.</p>
            {lastAdminGuard(list, deleting, { remove: true }) ? <Notice kind="warn">{lastAdminGuard(list, deleting, { remove: true })}</Notice> : null}
            {remove.error ? <div className="form-error" role="alert">{errorText(remove.error)}</div> : null}
            <div className="dialog-foot">
              <button type="button" className="btn" onClick={() => setDeleting(null)}>Cancel</button>
              <button type="button" className="btn btn-danger" disabled={remove.isPending} onClick={() => remove.mutate(deleting)}>Delete user</button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </>
  )
}
