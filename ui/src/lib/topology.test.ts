import { describe, expect, it } from 'vitest'
import { entityBody, entityValues, idsOf, shapeTopology, worst } from './topology'

const answer = {
  cloud: [{ id: 'hetzner', name: 'hetzner', provider: 'hetzner', regionCount: 1 }],
  topology: {
    pattern: 'ha-pair',
    regions: [
      {
        id: 'hz-fsn', name: 'hz-fsn', provider: 'hetzner', status: 'healthy',
        clusters: [
          {
            id: 'sovereign-hz-fsn', name: 'sovereign', version: 'v1', status: 'degraded', nodeCount: 2,
            nodes: [{ id: 'n1', name: 'n1', role: 'leader', ip: '127.0.0.1', status: 'healthy' }, { id: 'n2', name: 'n2', role: 'voter', status: 'failed' }],
            nodePools: [], vclusters: [], loadBalancers: [],
          },
          {
            id: 'apps', name: 'apps', status: 'healthy',
            nodePools: [{ id: 'p1', sku: 'cx21', replicas: 3, status: 'healthy' }],
            vclusters: [{ id: 'vc1', name: 'team-a', isolationMode: 'shared', status: 'bogus' }],
            loadBalancers: [{ id: 'lb1', name: 'edge', publicIP: '10.0.0.1', listeners: [{ port: 443, protocol: 'https' }], status: 'healthy' }],
            nodes: [],
          },
        ],
        networks: [{ id: 'net1', cidr: '10.0.0.0/16', peerings: [], firewalls: [{ id: 'f' }] }],
      },
    ],
  },
}

describe('shapeTopology', () => {
  it('builds cloud → region → cluster → children and counts every entity', () => {
    const v = shapeTopology(answer)
    expect(v.pattern).toBe('ha-pair')
    expect(v.clouds).toHaveLength(1)
    const region = v.clouds[0].children[0]
    expect(region.kind).toBe('regions')
    expect(region.children.map((c) => `${c.kind}/${c.id}`)).toEqual(['clusters/sovereign-hz-fsn', 'clusters/apps', 'networks/net1'])
    expect(v.counts).toEqual({ regions: 1, clusters: 2, nodepools: 1, nodes: 2, vclusters: 1, networks: 1, loadbalancers: 1 })
    expect(v.total).toBe(9)
  })

  it('marks this Sovereign’s own cluster and its region as built in', () => {
    const v = shapeTopology(answer)
    const region = v.clouds[0].children[0]
    expect(region.builtIn).toBe(true)
    expect(region.children[0].builtIn).toBe(true)
    expect(region.children[1].builtIn).toBe(false)
    expect(idsOf(v, 'clusters', true)).toEqual(['apps'])
    expect(region.children[0].children.map((n) => `${n.id}:${n.role}`)).toEqual(['n1:leader', 'n2:voter'])
  })

  it('reads an unknown status as unknown and a parent shows the worst of its children', () => {
    const v = shapeTopology(answer)
    const vc = v.clouds[0].children[0].children[1].children.find((c) => c.kind === 'vclusters')
    expect(vc?.status).toBe('unknown')
    expect(v.clouds[0].status).toBe('healthy')
    expect(worst(['healthy', 'failed', 'degraded'])).toBe('failed')
    expect(worst([])).toBe('unknown')
  })

  it.each([[{}], [null], [undefined], ['text'], [[]], [{ topology: { regions: 'no' } }], [{ topology: { regions: [null, 3, { clusters: [{}] }] } }]])(
    'never throws on %j and gives an empty tree',
    (input) => {
      const v = shapeTopology(input)
      expect(v.total).toBe(0)
      expect(v.clouds.every((c) => c.children.length === 0)).toBe(true)
    },
  )

  it('puts a region without provider under on-premises', () => {
    const v = shapeTopology({ topology: { regions: [{ id: 'r1' }] } })
    expect(v.clouds.map((c) => c.id)).toEqual(['on-premises'])
  })
})

describe('entity forms', () => {
  it('sends numbers as numbers and names the parent', () => {
    expect(entityBody('nodepools', { sku: 'cx21', replicas: '3', status: 'healthy' }, 'apps', 'p2')).toEqual({ id: 'p2', sku: 'cx21', replicas: 3, status: 'healthy', clusterId: 'apps' })
    expect(entityBody('clusters', { name: 'x' }, 'hz-fsn', '')).toEqual({ name: 'x', regionId: 'hz-fsn' })
  })
  it('keeps what the form does not show when editing', () => {
    const base = { id: 'lb1', clusterId: 'apps', listeners: [{ port: 443, protocol: 'https' }], targets: [] }
    const body = entityBody('loadbalancers', { name: 'edge2' }, 'apps', 'lb1', base)
    expect(body.listeners).toEqual([{ port: 443, protocol: 'https' }])
    expect(body.name).toBe('edge2')
  })
  it('reads stored entities into form values without throwing on junk', () => {
    expect(entityValues('regions', { workerCount: 'x', name: 5 })).toMatchObject({ workerCount: '0', name: '5' })
    expect(entityValues('nodes', null).name).toBe('')
  })
})
