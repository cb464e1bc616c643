import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { canonical, GENESIS, goString, verifyChain } from './auditchain'
import { provisionTarget, safeNext } from './links'
import { joinCommand, shapeAudit, shapeClusterStatus, shapeMe, shapeSettings, shapeTokens, shapeUsers, type AuditEntry } from './models'

const sha = async (s: string) => createHash('sha256').update(s).digest('hex')

describe('answers shaped defensively', () => {
  it.each([[{}], [null], [503], ['x'], [[]]])('%j gives empty values', (v) => {
    expect(shapeUsers(v)).toEqual([])
    expect(shapeTokens(v)).toEqual([])
    expect(shapeClusterStatus(v).members).toEqual([])
    expect(shapeAudit(v).entries).toEqual([])
    expect(shapeSettings(v).features).toEqual({})
    expect(shapeMe(v).role).toBe('')
  })
  it('reads cluster members with their indexes and roles', () => {
    const s = shapeClusterStatus({
      region: 'local', leader: 'n1',
      members: [
        { id: 'n1', address: '127.0.0.1:8301', suffrage: 'Voter', leader: true, self: true, status: { appliedIndex: 42, commitIndex: 43 } },
        { id: 'n2', suffrage: 'Nonvoter', reachable: true, lastContact: '2026-01-01T00:00:00Z' },
      ],
    })
    expect(s.members.map((m) => `${m.id}:${m.role}:${m.appliedIndex}`)).toEqual(['n1:leader:42', 'n2:non-voter:0'])
  })
  it('writes the exact join line', () => {
    expect(joinCommand('https://10.1.1.1:8443', 'K10abc::id.secret', 'hz-fsn')).toBe('sovereign serve --join https://10.1.1.1:8443 --token K10abc::id.secret --region hz-fsn')
  })
})

describe('mother-side links', () => {
  it.each([
    ['dashboard', '/dashboard'], ['', '/dashboard'], ['apps', '/apps'], ['catalog', '/apps'], ['app/bp-cilium', '/app/bp-cilium'],
    ['users', '/users'], ['settings', '/settings'], ['cloud', '/cloud'], ['cluster', '/cluster'], ['audit', '/audit'], ['jobs/7', '/dashboard'],
  ])('/provision/x/%s lands on %s', (splat, to) => expect(provisionTarget(splat)).toBe(to))
  it('keeps the redirect after sign-in inside the console', () => {
    expect(safeNext('/users')).toBe('/users')
    expect(safeNext('//evil.example')).toBe('/dashboard')
    expect(safeNext('/api/v1/x')).toBe('/dashboard')
    expect(safeNext(undefined)).toBe('/dashboard')
  })
})

describe('audit chain', () => {
  async function chain(n: number): Promise<AuditEntry[]> {
    const out: AuditEntry[] = []
    let prev = GENESIS
    for (let i = 1; i <= n; i++) {
      const e: AuditEntry = { seq: i, time: `2026-11-29T12:00:0${i}.123456789Z`, actor: 'admin@sovereign.local', action: 'user.create', target: `user/${i} <a&b>`, requestId: `r${i}`, prev, hash: '' }
      e.hash = await sha(canonical(e))
      prev = e.hash
      out.push(e)
    }
    return out
  }
  it('encodes strings as Go does', () => {
    expect(goString('<a&b>')).toBe('"\\u003ca\\u0026b\\u003e"')
  })
  it('verifies an intact chain', async () => {
    const c = await chain(3)
    expect((await verifyChain(c, 3, c[2].hash, sha)).ok).toBe(true)
  })
  it('finds an altered, a missing and a cut entry', async () => {
    const c = await chain(3)
    const altered = c.map((e) => (e.seq === 2 ? { ...e, actor: 'mallory' } : e))
    expect((await verifyChain(altered, 3, c[2].hash, sha)).message).toMatch(/entry 2 was altered/)
    expect((await verifyChain([c[0], c[2]], 3, c[2].hash, sha)).ok).toBe(false)
    expect((await verifyChain(c.slice(0, 2), 3, c[2].hash, sha)).message).toMatch(/head names entry 3/)
  })
})
