import { useQueryClient } from '@tanstack/react-query'
import { useNavigate, useSearch } from '@tanstack/react-router'
import { useState, type FormEvent } from 'react'
import { api, ApiError } from '../api/client'
import { Logo } from '../components/icons'
import { Notice } from '../components/ui'
import { safeNext } from '../lib/links'

const REASONS: Record<string, { kind: 'warn' | 'ok' | 'info'; text: string }> = {
  expired: { kind: 'warn', text: 'Your session has ended (it expired or was revoked). Sign in again to continue.' },
  'signed-out': { kind: 'ok', text: 'You are signed out.' },
}

export function LoginPage() {
  const search = useSearch({ strict: false }) as { reason?: string; next?: string }
  const navigate = useNavigate()
  const qc = useQueryClient()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const reason = search.reason ? REASONS[search.reason] : undefined

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setError('')
    if (!email.trim() || !password) {
      setError('Enter your email and password.')
      return
    }
    setBusy(true)
    try {
      await api('/api/v1/auth/login', { method: 'POST', body: { email: email.trim(), password }, quiet401: true })
      qc.clear()
      navigate({ to: safeNext(search.next), replace: true })
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('Wrong email or password.')
      else if (err instanceof ApiError && err.status === 429) setError(err.message || 'Too many attempts; wait a minute and try again.')
      else setError(err instanceof Error ? err.message : 'Sign-in failed.')
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="login-wrap">
      <main className="login-card" id="main">
        <div className="login-brand">
          <Logo size={40} />
          <div>
            <h1>Sovereign Console</h1>
            <p className="muted">Sign in to manage this Sovereign.</p>
          </div>
        </div>
        {reason ? <Notice kind={reason.kind}>{reason.text}</Notice> : null}
        <form onSubmit={submit} noValidate aria-describedby={error ? 'login-error' : undefined}>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          {error ? <div id="login-error" className="form-error" role="alert">{error}</div> : null}
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p className="muted small">
          Arriving from the OpenOva console? Its handover link signs you in directly. The first administrator's password is in the
          node's data directory, in <code>admin-password</code>.
        </p>
      </main>
    </div>
  )
}
