import { useMutation, useQueryClient } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { useMemo, useState } from 'react'
import { api, SOV } from '../api/client'
import { keys, useCatalog, useMe } from '../api/queries'
import { IconSearch } from '../components/icons'
import { Badge, Empty, ErrorState, errorText, Loading, Notice, PageHeader, Switch } from '../components/ui'
import { distinct, filterCatalog, type AppCard, type CatalogFilter } from '../lib/deps'
import { can } from '../lib/roles'

export function AppIcon({ app }: { app: AppCard }) {
  const letter = (app.title || app.slug).slice(0, 1).toUpperCase()
  return (
    <span className={`app-icon hue-${hueOf(app.slug)}`} aria-hidden="true">
      {letter}
    </span>
  )
}

function hueOf(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0
  return h % 8
}

export function AppsPage() {
  const me = useMe()
  const catalog = useCatalog()
  const qc = useQueryClient()
  const [f, setF] = useState<CatalogFilter>({ q: '', category: '', family: '', visibility: '' })
  const apps = catalog.data ?? []
  const categories = useMemo(() => distinct(apps.map((a) => a.category)), [apps])
  const families = useMemo(() => distinct(apps.map((a) => a.family)), [apps])
  const shown = useMemo(() => filterCatalog(apps, f), [apps, f])
  const admin = can(me.data?.role, 'catalog.publish')

  const publish = useMutation({
    mutationFn: ({ slug, value }: { slug: string; value: boolean }) =>
      api(`${SOV}/catalog/${encodeURIComponent(slug)}/publish?value=${value}`, { method: 'PATCH' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.catalog }),
  })

  return (
    <>
      <PageHeader title="Apps" subtitle="The Blueprint catalog compiled into this Sovereign." />
      <div className="toolbar" role="search">
        <div className="search">
          <IconSearch size={16} />
          <label htmlFor="app-search" className="sr-only">Search apps</label>
          <input id="app-search" type="search" placeholder="Search by name, category, family…" value={f.q} onChange={(e) => setF({ ...f, q: e.target.value })} />
        </div>
        <label className="sr-only" htmlFor="app-category">Category</label>
        <select id="app-category" value={f.category} onChange={(e) => setF({ ...f, category: e.target.value })}>
          <option value="">All categories</option>
          {categories.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
        <label className="sr-only" htmlFor="app-family">Family</label>
        <select id="app-family" value={f.family} onChange={(e) => setF({ ...f, family: e.target.value })}>
          <option value="">All families</option>
          {families.map((c) => <option key={c} value={c}>{c}</option>)}
        </select>
        <label className="sr-only" htmlFor="app-visibility">Visibility</label>
        <select id="app-visibility" value={f.visibility} onChange={(e) => setF({ ...f, visibility: e.target.value as CatalogFilter['visibility'] })}>
          <option value="">Listed and unlisted</option>
          <option value="listed">Listed</option>
          <option value="unlisted">Unlisted</option>
        </select>
      </div>
      {publish.error ? <Notice kind="error">Publishing failed: {errorText(publish.error)}</Notice> : null}
      {catalog.isPending ? <Loading label="Loading the catalog" /> : catalog.error ? (
        <ErrorState error={catalog.error} onRetry={() => catalog.refetch()} />
      ) : apps.length === 0 ? (
        <Empty title="The catalog is empty">This node serves no Blueprints. Start it with the embedded catalog or with <code>--catalog-dir</code>.</Empty>
      ) : shown.length === 0 ? (
        <Empty title="No app matches">Clear the search or the filters to see all {apps.length} Blueprints.</Empty>
      ) : (
        <>
          <p className="muted small" aria-live="polite">{shown.length} of {apps.length} Blueprints</p>
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">App</th>
                  <th scope="col">Category</th>
                  <th scope="col">Version</th>
                  <th scope="col">Visibility</th>
                  <th scope="col">Published</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((a) => (
                  <tr key={a.slug}>
                    <td>
                      <div className="app-cell">
                        <AppIcon app={a} />
                        <div>
                          <Link to="/app/$slug" params={{ slug: a.slug }} className="strong-link">{a.title}</Link>
                          {a.featured ? <Badge tone="violet">featured</Badge> : null}
                          {a.system ? <Badge tone="blue">system</Badge> : null}
                          <div className="muted small clamp">{a.tagline}</div>
                        </div>
                      </div>
                    </td>
                    <td className="cat">
                      <div>{a.category || <span className="muted">—</span>}</div>
                      {a.family && a.family !== a.category ? <div className="muted small">{a.family}</div> : null}
                    </td>
                    <td><code>{a.version || '—'}</code></td>
                    <td>{a.visibility === 'listed' ? <Badge tone="green">listed</Badge> : <Badge>{a.visibility}</Badge>}</td>
                    <td>
                      {admin ? (
                        <Switch
                          checked={a.published}
                          label={`Publish ${a.title}`}
                          disabled={publish.isPending}
                          onChange={(v) => publish.mutate({ slug: a.slug, value: v })}
                        />
                      ) : a.published ? <Badge tone="green">published</Badge> : <Badge>not published</Badge>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  )
}
