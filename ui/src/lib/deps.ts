// The dependency tree of a Blueprint (GET /catalog/{slug}: tree,
// install_order, dependents) shaped for the App detail page.

import { arr, bool, obj, str, strs, type Json } from './shape'

export interface DepRow {
  name: string
  slug: string
  version: string
  range: string
  depth: number
  /** shown higher up in the tree already: its own dependencies are there. */
  repeat: boolean
}

/** slugOf turns "bp-cilium" or "cilium" into "cilium". */
export function slugOf(name: string): string {
  return name.startsWith('bp-') ? name.slice(3) : name
}

/** flattenTree walks the tree depth-first into rows with their depth. A
 * cycle or a tree deeper than maxDepth is cut, never followed forever. */
export function flattenTree(tree: Json, maxDepth = 32): DepRow[] {
  const rows: DepRow[] = []
  const walk = (n: Json, depth: number, path: Set<string>) => {
    const o = obj(n)
    const name = str(o.name)
    if (!name || depth > maxDepth) return
    const cyclic = path.has(name)
    rows.push({ name, slug: slugOf(name), version: str(o.version), range: str(o.range), depth, repeat: bool(o.repeat) || cyclic })
    if (cyclic) return
    const next = new Set(path).add(name)
    for (const d of arr(o.depends ?? o.children ?? o.dependencies)) walk(d, depth + 1, next)
  }
  walk(tree, 0, new Set())
  return rows
}

/** installOrder gives the order to install, dependencies first and the app
 * last: the server's install_order when it sent one, else derived from the
 * tree (post-order, each Blueprint once). */
export function installOrder(detail: Json): string[] {
  const d = obj(detail)
  const given = strs(d.install_order)
  if (given.length > 0) return given
  const out: string[] = []
  const seen = new Set<string>()
  const visit = (n: Json, depth: number) => {
    const o = obj(n)
    const name = str(o.name)
    if (!name || seen.has(name) || depth > 32) return
    seen.add(name)
    for (const c of arr(o.depends ?? o.children ?? o.dependencies)) visit(c, depth + 1)
    out.push(name)
  }
  visit(d.tree, 0)
  return out
}

export interface AppCard {
  slug: string
  name: string
  title: string
  tagline: string
  description: string
  category: string
  family: string
  version: string
  icon: string
  iconBg: string
  featured: boolean
  system: boolean
  published: boolean
  deployable: boolean
  visibility: string
  depends: string[]
}

export function shapeApp(v: Json): AppCard | null {
  const o = obj(v)
  const slug = str(o.slug) || slugOf(str(o.name)) || str(o.id)
  if (!slug) return null
  return {
    slug,
    name: str(o.name) || `bp-${slug}`,
    title: str(o.title) || str(o.name) || slug,
    tagline: str(o.tagline),
    description: str(o.description),
    category: str(o.category),
    family: str(o.family),
    version: str(o.version),
    icon: str(o.icon),
    iconBg: str(o.icon_bg),
    featured: bool(o.featured),
    system: bool(o.system),
    published: bool(o.published),
    deployable: bool(o.deployable),
    visibility: str(o.visibility) || 'unlisted',
    depends: strs(o.depends),
  }
}

/** shapeCatalog reads the bare array the catalog answers (or an object
 * wrapping one under apps/items), dropping entries without a slug. */
export function shapeCatalog(v: Json): AppCard[] {
  const list = Array.isArray(v) ? v : arr(obj(v).apps ?? obj(v).items)
  const out: AppCard[] = []
  for (const x of list) {
    const a = shapeApp(x)
    if (a) out.push(a)
  }
  return out
}

export interface CatalogFilter {
  q: string
  category: string
  family: string
  visibility: '' | 'listed' | 'unlisted'
}

export function filterCatalog(apps: AppCard[], f: CatalogFilter): AppCard[] {
  const q = f.q.trim().toLowerCase()
  return apps.filter((a) => {
    if (f.category && a.category !== f.category) return false
    if (f.family && a.family !== f.family) return false
    if (f.visibility === 'listed' && a.visibility !== 'listed') return false
    if (f.visibility === 'unlisted' && a.visibility === 'listed') return false
    if (!q) return true
    return [a.slug, a.name, a.title, a.tagline, a.category, a.family].some((s) => s.toLowerCase().includes(q))
  })
}

export function distinct(values: string[]): string[] {
  return [...new Set(values.filter(Boolean))].sort()
}

export interface AppDetail {
  app: AppCard | null
  summary: string
  tags: string[]
  license: string
  docs: string
  configSchema: Record<string, Json>
  placementModes: string[]
  placementDefault: string
  tree: DepRow[]
  order: string[]
  dependents: string[]
  dependencies: { name: string; slug: string; range: string; version: string }[]
}

export function shapeDetail(v: Json): AppDetail {
  const d = obj(v)
  const card = obj(d.card)
  const placement = obj(d.placement)
  const app = shapeApp(d)
  if (app && !app.description) app.description = str(card.description)
  return {
    app,
    summary: str(card.summary) || app?.tagline || '',
    tags: strs(card.tags),
    license: str(card.license),
    docs: str(card.docs),
    configSchema: obj(d.config_schema),
    placementModes: strs(placement.modes),
    placementDefault: str(placement.default),
    tree: flattenTree(d.tree),
    order: installOrder(d),
    dependents: strs(d.dependents),
    dependencies: arr(d.dependencies).map((x) => {
      const o = obj(x)
      return { name: str(o.name), slug: str(o.slug) || slugOf(str(o.name)), range: str(o.range), version: str(o.version) }
    }).filter((x) => x.name !== ''),
  }
}

export interface SchemaField {
  path: string
  type: string
  description: string
  default: string
  required: boolean
}

/** schemaFields lists a JSON schema's properties (nested objects with
 * dotted paths), for the config table. */
export function schemaFields(schema: Json, prefix = '', depth = 0): SchemaField[] {
  const s = obj(schema)
  const props = obj(s.properties)
  const required = new Set(strs(s.required))
  const out: SchemaField[] = []
  if (depth > 6) return out
  for (const [k, v] of Object.entries(props)) {
    const p = obj(v)
    const path = prefix ? `${prefix}.${k}` : k
    const type = Array.isArray(p.type) ? strs(p.type).join(' | ') : str(p.type) || (p.enum ? 'enum' : '')
    const def = p.default === undefined ? '' : typeof p.default === 'string' ? p.default : JSON.stringify(p.default)
    out.push({ path, type, description: str(p.description), default: def, required: required.has(k) })
    if (type === 'object') out.push(...schemaFields(p, path, depth + 1))
  }
  return out
}
