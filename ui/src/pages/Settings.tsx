import { useMutation, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type FormEvent } from 'react'
import { api, SOV } from '../api/client'
import { keys, useMe, useSettings } from '../api/queries'
import { Card, Dialog, ErrorState, errorText, Field, Loading, Notice, PageHeader, Switch } from '../components/ui'
import { RESERVED_FEATURES, type Settings } from '../lib/models'
import { can } from '../lib/roles'
import { arr, obj, str, type Json } from '../lib/shape'

function featureText(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

/** parseFeature reads a feature value typed in a box: true, false, a number or text. */
function parseFeature(s: string): Json {
  const t = s.trim()
  if (t === 'true') return true
  if (t === 'false') return false
  if (t !== '' && Number.isFinite(Number(t))) return Number(t)
  return s
}

/** SessionKeys rotates the key that signs sessions, or ends every session. */
function SessionKeys() {
  const [confirm, setConfirm] = useState(false)
  const rotate = useMutation({
    mutationFn: (revokeAll: boolean) => api(`${SOV}/keys/rotate`, { method: 'POST', body: { revokeAll } }),
    onSuccess: () => setConfirm(false),
  })
  const res = obj(rotate.data)
  return (
    <Card title="Session keys">
      <p className="muted">Sessions are signed with a key every node holds. Rotating adds a new key for new sessions; sessions signed before keep working until they expire.</p>
      <div className="row">
        <button type="button" className="btn" disabled={rotate.isPending} onClick={() => rotate.mutate(false)}>Rotate the signing key</button>
        <button type="button" className="btn btn-danger-ghost" disabled={rotate.isPending} onClick={() => { rotate.reset(); setConfirm(true) }}>End every session…</button>
      </div>
      {rotate.isSuccess && !confirm ? <Notice kind="ok">Key <code>{str(res.current)}</code> signs new sessions; {arr(res.keys).length} keys verify.</Notice> : null}
      {rotate.error && !confirm ? <Notice kind="error">{errorText(rotate.error)}</Notice> : null}
      <Dialog title="End every session?" open={confirm} onClose={() => setConfirm(false)}>
        <div className="stack">
          <p>Every signed-in user, you included, is signed out at once, on every node. Use it when a session may have leaked.</p>
          {rotate.error ? <div className="form-error" role="alert">{errorText(rotate.error)}</div> : null}
          <div className="dialog-foot">
            <button type="button" className="btn" onClick={() => setConfirm(false)}>Cancel</button>
            <button type="button" className="btn btn-danger" disabled={rotate.isPending} onClick={() => rotate.mutate(true)}>End every session</button>
          </div>
        </div>
      </Dialog>
    </Card>
  )
}

export function SettingsPage() {
  const me = useMe()
  const settings = useSettings()
  const qc = useQueryClient()
  const admin = can(me.data?.role, 'settings.write')
  const [form, setForm] = useState<{ fqdn: string; deploymentId: string; provider: string; marketplace: boolean; features: [string, string][] } | null>(null)
  const [saved, setSaved] = useState(false)

  useEffect(() => {
    const s = settings.data
    if (!s || form) return
    setForm(formOf(s))
  }, [settings.data, form])

  const save = useMutation({
    mutationFn: () => {
      const f = form!
      const features: Record<string, Json> = {}
      for (const [k, v] of f.features) if (k.trim()) features[k.trim()] = parseFeature(v)
      return api(`${SOV}/settings`, {
        method: 'PUT',
        body: { sovereignFQDN: f.fqdn.trim(), deploymentId: f.deploymentId.trim(), provider: f.provider.trim(), marketplaceEnabled: f.marketplace, features },
      })
    },
    onSuccess: () => {
      setSaved(true)
      setForm(null)
      qc.invalidateQueries({ queryKey: keys.settings })
    },
  })

  const submit = (e: FormEvent) => {
    e.preventDefault()
    setSaved(false)
    save.mutate()
  }

  if (settings.isPending) return <><PageHeader title="Settings" /><Loading label="Loading settings" /></>
  if (settings.error) return <><PageHeader title="Settings" /><ErrorState error={settings.error} onRetry={() => settings.refetch()} /></>
  const s = settings.data
  const f = form ?? formOf(s)
  const set = (patch: Partial<typeof f>) => {
    setSaved(false)
    setForm({ ...f, ...patch })
  }

  return (
    <>
      <PageHeader title="Settings" subtitle="What this Sovereign is called and which features it offers." />
      {saved ? <Notice kind="ok">Settings saved.</Notice> : null}
      {save.error ? <Notice kind="error">{errorText(save.error)}</Notice> : null}
      <form onSubmit={submit}>
        <div className="grid-2">
          <Card title="Identity">
            <p className="muted small">Set by the configuration or the OpenOva handover; a value given by a flag cannot be changed here.</p>
            <Field id="s-region" label="Region" hint="Fixed when the cluster was first bootstrapped.">
              <input id="s-region" value={s.region} readOnly aria-readonly="true" />
            </Field>
            <Field id="s-handover" label="Handover" hint="Recorded by the OpenOva console's handover.">
              <input id="s-handover" value={s.handoverISO ? new Date(s.handoverISO).toLocaleString() : 'not handed over'} readOnly aria-readonly="true" />
            </Field>
            <Field id="s-version" label="Version">
              <input id="s-version" value={s.version || 'unknown'} readOnly aria-readonly="true" />
            </Field>
            <Field id="s-digest" label="Catalog digest">
              <input id="s-digest" value={str(s.features.catalogDigest) || 'unknown'} readOnly aria-readonly="true" />
            </Field>
          </Card>
          <Card title="Sovereign">
            <Field id="s-fqdn" label="FQDN" hint={<>The console answers as <code>console.&lt;fqdn&gt;</code>. A node started with <code>--fqdn</code> keeps that value.</>}>
              <input id="s-fqdn" value={f.fqdn} readOnly={!admin} onChange={(e) => set({ fqdn: e.target.value })} placeholder="sovereign.example.org" />
            </Field>
            <Field id="s-deployment" label="Deployment id">
              <input id="s-deployment" value={f.deploymentId} readOnly={!admin} onChange={(e) => set({ deploymentId: e.target.value })} />
            </Field>
            <Field id="s-provider" label="Provider">
              <input id="s-provider" value={f.provider} readOnly={!admin} onChange={(e) => set({ provider: e.target.value })} placeholder="hetzner" />
            </Field>
            <div className="field field-inline">
              <span id="s-market-label">Marketplace</span>
              <Switch checked={f.marketplace} label="Marketplace enabled" disabled={!admin} onChange={(v) => set({ marketplace: v })} />
              <span className="muted small">{f.marketplace ? 'enabled' : 'disabled'}</span>
            </div>
          </Card>
        </div>
        <Card title="Features">
          {f.features.length === 0 ? <p className="muted">No feature flags are set.</p> : null}
          {f.features.map(([k, v], i) => (
            <div className="feature-row" key={i}>
              <label className="sr-only" htmlFor={`fk-${i}`}>Feature name {i + 1}</label>
              <input id={`fk-${i}`} value={k} readOnly={!admin} placeholder="name" onChange={(e) => set({ features: f.features.map((p, j) => (j === i ? [e.target.value, p[1]] : p)) })} />
              <label className="sr-only" htmlFor={`fv-${i}`}>Value of feature {k || i + 1}</label>
              <input id={`fv-${i}`} value={v} readOnly={!admin} placeholder="true, false, a number or text" onChange={(e) => set({ features: f.features.map((p, j) => (j === i ? [p[0], e.target.value] : p)) })} />
              {admin ? <button type="button" className="btn btn-small" onClick={() => set({ features: f.features.filter((_, j) => j !== i) })}>Remove</button> : null}
            </div>
          ))}
          {admin ? <button type="button" className="btn btn-small" onClick={() => set({ features: [...f.features, ['', '']] })}>Add feature</button> : null}
        </Card>
        {admin ? (
          <div className="form-actions">
            <button type="button" className="btn" onClick={() => { setForm(null); setSaved(false); save.reset() }}>Reset</button>
            <button type="submit" className="btn btn-primary" disabled={save.isPending}>{save.isPending ? 'Saving…' : 'Save settings'}</button>
          </div>
        ) : <p className="muted small">Only a sovereign-admin can change settings.</p>}
      </form>
      {can(me.data?.role, 'keys.rotate') ? <div className="spaced"><SessionKeys /></div> : null}
    </>
  )
}

function formOf(s: Settings) {
  return {
    fqdn: s.sovereignFQDN,
    deploymentId: s.deploymentId,
    provider: s.provider,
    marketplace: s.marketplaceEnabled,
    features: Object.entries(s.features).filter(([k]) => !RESERVED_FEATURES.includes(k)).map(([k, v]): [string, string] => [k, featureText(v)]),
  }
}
