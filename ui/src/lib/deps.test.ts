import { describe, expect, it } from 'vitest'
import { filterCatalog, flattenTree, installOrder, schemaFields, shapeCatalog, shapeDetail, slugOf } from './deps'

const tree = {
  name: 'bp-a', version: '1.0.0',
  depends: [
    { name: 'bp-b', version: '2.0.0', range: '^2.0', depends: [{ name: 'bp-c', version: '1.1.0', range: '^1', depends: [] }] },
    { name: 'bp-c', version: '1.1.0', range: '^1', repeat: true },
  ],
}

describe('dependency tree', () => {
  it('flattens depth first with depth, range and repeats', () => {
    expect(flattenTree(tree).map((r) => `${r.depth}:${r.name}${r.repeat ? '*' : ''}`)).toEqual(['0:bp-a', '1:bp-b', '2:bp-c', '1:bp-c*'])
  })
  it('derives the install order dependencies first when the server sends none', () => {
    expect(installOrder({ tree })).toEqual(['bp-c', 'bp-b', 'bp-a'])
  })
  it('prefers the server’s install order', () => {
    expect(installOrder({ tree, install_order: ['bp-x', 'bp-a'] })).toEqual(['bp-x', 'bp-a'])
  })
  it('cuts a cycle instead of looping', () => {
    const a: Record<string, unknown> = { name: 'bp-a', depends: [] }
    const b = { name: 'bp-b', depends: [a] }
    ;(a.depends as unknown[]).push(b)
    const rows = flattenTree(a)
    expect(rows.map((r) => r.name)).toEqual(['bp-a', 'bp-b', 'bp-a'])
    expect(rows[2].repeat).toBe(true)
    expect(installOrder({ tree: a })).toEqual(['bp-b', 'bp-a'])
  })
  it.each([[{}], [null], ['x'], [{ tree: { depends: 'x' } }]])('gives nothing for %j', (d) => {
    expect(shapeDetail(d).tree).toEqual([])
    expect(shapeDetail(d).order).toEqual([])
    expect(shapeDetail(d).app).toBeNull()
  })
})

describe('catalog', () => {
  const apps = shapeCatalog([
    { slug: 'cilium', name: 'bp-cilium', title: 'Cilium', category: 'networking', family: 'cni', visibility: 'listed', featured: true },
    { name: 'bp-keycloak', category: 'identity', visibility: 'unlisted' },
    { nothing: true },
    null,
  ])
  it('drops entries without a slug and derives the slug from the name', () => {
    expect(apps.map((a) => a.slug)).toEqual(['cilium', 'keycloak'])
    expect(apps[1].title).toBe('bp-keycloak')
  })
  it('filters by search, category and visibility', () => {
    expect(filterCatalog(apps, { q: 'CIL', category: '', family: '', visibility: '' }).map((a) => a.slug)).toEqual(['cilium'])
    expect(filterCatalog(apps, { q: '', category: 'identity', family: '', visibility: '' }).map((a) => a.slug)).toEqual(['keycloak'])
    expect(filterCatalog(apps, { q: '', category: '', family: '', visibility: 'unlisted' }).map((a) => a.slug)).toEqual(['keycloak'])
  })
  it('reads {} as an empty catalog', () => {
    expect(shapeCatalog({})).toEqual([])
  })
  it('accepts both cilium and bp-cilium', () => {
    expect(slugOf('bp-cilium')).toBe('cilium')
    expect(slugOf('cilium')).toBe('cilium')
  })
  it('lists schema fields with nested paths', () => {
    const f = schemaFields({ properties: { a: { type: 'string', default: 'x' }, b: { type: 'object', properties: { c: { type: 'integer' } } } }, required: ['a'] })
    expect(f.map((x) => `${x.path}:${x.type}:${x.required}`)).toEqual(['a:string:true', 'b:object:false', 'b.c:integer:false'])
  })
})
