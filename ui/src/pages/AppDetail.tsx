import { Link, useParams } from '@tanstack/react-router'
import { ApiError } from '../api/client'
import { useDetail } from '../api/queries'
import { Badge, Card, Empty, ErrorState, Loading, PageHeader } from '../components/ui'
import { schemaFields, slugOf } from '../lib/deps'
import { AppIcon } from './Apps'

export function AppDetailPage() {
  const params = useParams({ strict: false }) as Record<string, unknown>
  const raw = typeof params.slug === 'string' ? params.slug : ''
  const slug = slugOf(decodeURIComponent(raw))
  const detail = useDetail(slug)

  if (!slug) return <Empty title="No app named">Pick one from <Link to="/apps">Apps</Link>.</Empty>
  if (detail.isPending) return <Loading label={`Loading ${slug}`} />
  if (detail.error) {
    if (detail.error instanceof ApiError && detail.error.status === 404) {
      return <Empty title={`No Blueprint named ${slug}`}>The catalog has no such app. <Link to="/apps">Back to Apps</Link>.</Empty>
    }
    return <ErrorState error={detail.error} onRetry={() => detail.refetch()} />
  }
  const d = detail.data
  const app = d.app
  if (!app) return <Empty title={`Nothing is known about ${slug}`}>The node answered without the app's fields. <Link to="/apps">Back to Apps</Link>.</Empty>
  const fields = schemaFields(d.configSchema)

  return (
    <>
      <nav aria-label="Breadcrumb" className="crumbs"><Link to="/apps">Apps</Link> <span aria-hidden="true">/</span> <span>{app.title}</span></nav>
      <div className="detail-head">
        <AppIcon app={app} />
        <PageHeader
          title={app.title}
          subtitle={<>
            <code>{app.name}</code> · version <code>{app.version || '—'}</code>
            {app.featured ? <Badge tone="violet">featured</Badge> : null}
            {app.system ? <Badge tone="blue">system</Badge> : null}
            {app.visibility === 'listed' ? <Badge tone="green">listed</Badge> : <Badge>{app.visibility}</Badge>}
            {app.published ? <Badge tone="green">published</Badge> : <Badge>not published</Badge>}
          </>}
        />
      </div>
      <div className="grid-2">
        <Card title="About">
          <p className="lead">{d.summary || app.tagline || 'No summary.'}</p>
          {app.description ? <p className="prewrap">{app.description}</p> : null}
          <dl className="kv">
            <div className="kv-row"><dt>Category</dt><dd>{app.category || '—'}</dd></div>
            <div className="kv-row"><dt>Family</dt><dd>{app.family || '—'}</dd></div>
            <div className="kv-row"><dt>License</dt><dd>{d.license || '—'}</dd></div>
            <div className="kv-row"><dt>Tags</dt><dd>{d.tags.length ? d.tags.map((t) => <Badge key={t}>{t}</Badge>) : '—'}</dd></div>
          </dl>
        </Card>
        <Card title="Placement">
          {d.placementModes.length === 0 ? <p className="muted">No placement modes declared.</p> : (
            <ul className="chips">
              {d.placementModes.map((m) => <li key={m}><Badge tone={m === d.placementDefault ? 'blue' : 'neutral'}>{m}{m === d.placementDefault ? ' (default)' : ''}</Badge></li>)}
            </ul>
          )}
          <h3>Install order</h3>
          {d.order.length === 0 ? <p className="muted">Nothing to install.</p> : (
            <ol className="order">
              {d.order.map((n) => <li key={n}>{slugOf(n) === slug ? <strong>{n}</strong> : <Link to="/app/$slug" params={{ slug: slugOf(n) }}>{n}</Link>}</li>)}
            </ol>
          )}
        </Card>
      </div>
      <div className="grid-2">
        <Card title="Dependency tree">
          {d.tree.length <= 1 ? <p className="muted">No dependencies.</p> : (
            <ul className="tree" aria-label="Dependencies">
              {d.tree.map((r, i) => (
                <li key={`${r.name}-${i}`} className={`depth-${Math.min(r.depth, 8)}`}>
                  {r.depth === 0 ? <strong>{r.name}</strong> : <Link to="/app/$slug" params={{ slug: r.slug }}>{r.name}</Link>}
                  {' '}<code>{r.version}</code>
                  {r.range ? <span className="muted small"> wants {r.range}</span> : null}
                  {r.repeat ? <span className="muted small"> (shown above)</span> : null}
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Dependents">
          {d.dependents.length === 0 ? <p className="muted">No Blueprint depends on this one.</p> : (
            <ul className="chips">
              {d.dependents.map((n) => <li key={n}><Link to="/app/$slug" params={{ slug: slugOf(n) }}>{n}</Link></li>)}
            </ul>
          )}
        </Card>
      </div>
      <Card title="Configuration schema">
        {fields.length === 0 ? <p className="muted">This Blueprint takes no configuration.</p> : (
          <div className="table-wrap">
            <table className="table">
              <thead><tr><th scope="col">Key</th><th scope="col">Type</th><th scope="col">Default</th><th scope="col">Description</th></tr></thead>
              <tbody>
                {fields.map((f) => (
                  <tr key={f.path}>
                    <td><code>{f.path}</code>{f.required ? <Badge tone="amber">required</Badge> : null}</td>
                    <td>{f.type || '—'}</td>
                    <td>{f.default ? <code>{f.default}</code> : '—'}</td>
                    <td>{f.description || <span className="muted">—</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  )
}
