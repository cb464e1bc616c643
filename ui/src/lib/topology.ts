// The topology answer (GET /api/v1/sovereign/topology) shaped into the
// tree the Cloud page draws: cloud → region → cluster → node pools, nodes,
// vclusters, load balancers, and each region's networks.

import { arr, health, num, obj, str, type Health, type Json } from './shape'

export type EntityKind = 'regions' | 'clusters' | 'nodepools' | 'nodes' | 'vclusters' | 'networks' | 'loadbalancers'

export interface TreeNode {
  /** kind of the entity, as in /topology/{kind} paths; 'cloud' for a provider. */
  kind: EntityKind | 'cloud'
  id: string
  label: string
  detail: string
  status: Health
  /** the parent's id (regionId or clusterId), for edits. */
  parentId: string
  /** this node's own cluster: shown, never edited. */
  builtIn: boolean
  /** a node's role in its cluster (leader, voter, non-voter, or as stored). */
  role?: string
  children: TreeNode[]
}

export interface TopologyView {
  pattern: string
  clouds: TreeNode[]
  counts: Record<EntityKind, number>
  /** entities total, the figure on the dashboard. */
  total: number
}

export const PATTERNS = ['solo', 'ha-pair', 'multi-region', 'air-gap']

function emptyCounts(): Record<EntityKind, number> {
  return { regions: 0, clusters: 0, nodepools: 0, nodes: 0, vclusters: 0, networks: 0, loadbalancers: 0 }
}

function leaf(kind: EntityKind, id: string, label: string, detail: string, status: Health, parentId: string): TreeNode {
  return { kind, id, label: label || id, detail, status, parentId, builtIn: false, children: [] }
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`
}

/** shapeTopology never throws: `{}`, null or a half answer give an empty tree. */
export function shapeTopology(input: Json, homeClusterPrefix = 'sovereign-'): TopologyView {
  const root = obj(input)
  const layout = obj(root.topology)
  const counts = emptyCounts()
  const byProvider = new Map<string, TreeNode>()

  for (const c of arr(root.cloud)) {
    const co = obj(c)
    const id = str(co.id) || str(co.provider)
    if (!id || byProvider.has(id)) continue
    byProvider.set(id, {
      kind: 'cloud', id, label: str(co.name) || id,
      detail: plural(num(co.regionCount), 'region'), status: 'healthy', parentId: '', builtIn: true, children: [],
    })
  }

  for (const r of arr(layout.regions)) {
    const ro = obj(r)
    const regionId = str(ro.id)
    if (!regionId) continue
    counts.regions++
    const provider = str(ro.provider) || 'on-premises'
    const region: TreeNode = {
      kind: 'regions', id: regionId, label: str(ro.name) || regionId,
      detail: [str(ro.providerRegion), str(ro.skuWorker) && `workers ${num(ro.workerCount)} × ${str(ro.skuWorker)}`]
        .filter(Boolean).join(' · '),
      status: health(ro.status), parentId: '', builtIn: false, children: [],
    }
    for (const c of arr(ro.clusters)) {
      const co = obj(c)
      const clusterId = str(co.id)
      if (!clusterId) continue
      counts.clusters++
      const cluster: TreeNode = {
        kind: 'clusters', id: clusterId, label: str(co.name) || clusterId,
        detail: [str(co.version), plural(num(co.nodeCount, arr(co.nodes).length), 'node')].filter(Boolean).join(' · '),
        status: health(co.status), parentId: regionId, builtIn: clusterId.startsWith(homeClusterPrefix) && str(co.name) === 'sovereign',
        children: [],
      }
      for (const p of arr(co.nodePools)) {
        const po = obj(p)
        if (!str(po.id)) continue
        counts.nodepools++
        cluster.children.push(leaf('nodepools', str(po.id), `pool ${str(po.id)}`, `${num(po.replicas)} × ${str(po.sku, '?')}`, health(po.status), clusterId))
      }
      for (const n of arr(co.nodes)) {
        const no = obj(n)
        if (!str(no.id)) continue
        counts.nodes++
        const t = leaf('nodes', str(no.id), str(no.name), [str(no.role), str(no.ip), str(no.sku)].filter(Boolean).join(' · '), health(no.status), clusterId)
        t.builtIn = cluster.builtIn
        t.role = str(no.role)
        cluster.children.push(t)
      }
      for (const v of arr(co.vclusters)) {
        const vo = obj(v)
        if (!str(vo.id)) continue
        counts.vclusters++
        cluster.children.push(leaf('vclusters', str(vo.id), str(vo.name), `isolation ${str(vo.isolationMode, 'shared')}`, health(vo.status), clusterId))
      }
      for (const l of arr(co.loadBalancers)) {
        const lo = obj(l)
        if (!str(lo.id)) continue
        counts.loadbalancers++
        const listeners = arr(lo.listeners).map((x) => `${str(obj(x).protocol)}/${num(obj(x).port)}`)
        cluster.children.push(leaf('loadbalancers', str(lo.id), str(lo.name), [str(lo.publicIP), listeners.join(', ')].filter(Boolean).join(' · '), health(lo.status), clusterId))
      }
      region.children.push(cluster)
      // The region holding this Sovereign's own cluster is its home: shown, not edited.
      if (cluster.builtIn) region.builtIn = true
    }
    for (const n of arr(ro.networks)) {
      const no = obj(n)
      if (!str(no.id)) continue
      counts.networks++
      const fw = arr(no.firewalls).length
      const peer = arr(no.peerings).length
      region.children.push(leaf('networks', str(no.id), str(no.cidr) || str(no.id), `${plural(peer, 'peering')} · ${plural(fw, 'firewall')}`, 'healthy', regionId))
    }
    let cloud = byProvider.get(provider)
    if (!cloud) {
      cloud = { kind: 'cloud', id: provider, label: provider, detail: '', status: 'healthy', parentId: '', builtIn: true, children: [] }
      byProvider.set(provider, cloud)
    }
    cloud.children.push(region)
  }

  for (const cloud of byProvider.values()) {
    cloud.status = worst(cloud.children.map((c) => c.status))
    if (!cloud.detail) cloud.detail = plural(cloud.children.length, 'region')
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0)
  return { pattern: str(layout.pattern) || 'unknown', clouds: [...byProvider.values()], counts, total }
}

/** worst is the status a parent shows for its children. */
export function worst(statuses: Health[]): Health {
  if (statuses.length === 0) return 'unknown'
  for (const s of ['failed', 'degraded', 'unknown'] as Health[]) if (statuses.includes(s)) return s
  return 'healthy'
}

/** The fields a create/edit form offers for each kind (ids are checked by the server). */
export const KIND_FIELDS: Record<EntityKind, { key: string; label: string; type?: 'number' | 'status' | 'isolation' }[]> = {
  regions: [
    { key: 'name', label: 'Name' }, { key: 'provider', label: 'Provider' }, { key: 'providerRegion', label: 'Provider region' },
    { key: 'skuCp', label: 'Control-plane SKU' }, { key: 'skuWorker', label: 'Worker SKU' },
    { key: 'workerCount', label: 'Workers', type: 'number' }, { key: 'status', label: 'Status', type: 'status' },
  ],
  clusters: [{ key: 'name', label: 'Name' }, { key: 'version', label: 'Version' }, { key: 'status', label: 'Status', type: 'status' }],
  nodepools: [{ key: 'sku', label: 'SKU' }, { key: 'replicas', label: 'Replicas', type: 'number' }, { key: 'status', label: 'Status', type: 'status' }],
  nodes: [
    { key: 'name', label: 'Name' }, { key: 'sku', label: 'SKU' }, { key: 'role', label: 'Role' },
    { key: 'ip', label: 'IP address' }, { key: 'status', label: 'Status', type: 'status' },
  ],
  vclusters: [{ key: 'name', label: 'Name' }, { key: 'isolationMode', label: 'Isolation', type: 'isolation' }, { key: 'status', label: 'Status', type: 'status' }],
  networks: [{ key: 'cidr', label: 'CIDR block' }],
  loadbalancers: [
    { key: 'name', label: 'Name' }, { key: 'publicIP', label: 'Public IP' }, { key: 'region', label: 'Region label' },
    { key: 'status', label: 'Status', type: 'status' },
  ],
}

export const KIND_LABEL: Record<EntityKind | 'cloud', string> = {
  cloud: 'Cloud', regions: 'Region', clusters: 'Cluster', nodepools: 'Node pool', nodes: 'Node',
  vclusters: 'vcluster', networks: 'Network', loadbalancers: 'Load balancer',
}

/** The parent kind of each kind, for the create form's parent picker. */
export const PARENT_KIND: Record<EntityKind, EntityKind | null> = {
  regions: null, clusters: 'regions', networks: 'regions',
  nodepools: 'clusters', nodes: 'clusters', vclusters: 'clusters', loadbalancers: 'clusters',
}

/** Every id of a kind in the tree, for parent pickers. */
export function idsOf(view: TopologyView, kind: EntityKind, editableOnly = false): string[] {
  const out: string[] = []
  const walk = (n: TreeNode) => {
    if (n.kind === kind && !(editableOnly && n.builtIn)) out.push(n.id)
    n.children.forEach(walk)
  }
  view.clouds.forEach(walk)
  return out
}

/** The entity body a form sends: numbers as numbers, the parent as regionId/clusterId. */
export function entityBody(kind: EntityKind, values: Record<string, string>, parentId: string, id: string, base: Json = {}): Record<string, Json> {
  // An edit keeps what the form does not show (listeners, firewalls, …).
  const body: Record<string, Json> = { ...obj(base) }
  if (id) body.id = id
  for (const f of KIND_FIELDS[kind]) {
    const v = values[f.key] ?? ''
    if (f.type === 'number') body[f.key] = v === '' ? 0 : Number(v)
    else if (v !== '') body[f.key] = v
  }
  const pk = PARENT_KIND[kind]
  if (pk === 'regions') body.regionId = parentId
  if (pk === 'clusters') body.clusterId = parentId
  if (kind === 'networks') {
    body.peerings = arr(body.peerings)
    body.firewalls = arr(body.firewalls)
  }
  if (kind === 'loadbalancers') {
    body.listeners = arr(body.listeners)
    body.targets = arr(body.targets)
  }
  return body
}

/** The stored entity (GET /topology/{kind}) as form values. */
export function entityValues(kind: EntityKind, entity: Json): Record<string, string> {
  const o = obj(entity)
  const out: Record<string, string> = {}
  for (const f of KIND_FIELDS[kind]) out[f.key] = f.type === 'number' ? String(num(o[f.key])) : str(o[f.key])
  return out
}
