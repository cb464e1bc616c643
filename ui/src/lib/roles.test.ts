import { describe, expect, it } from 'vitest'
import { lastAdminGuard, type User } from './models'
import { can, canSee, ROLES } from './roles'

describe('role rules (app/authz.go)', () => {
  it('lets only sovereign-admin write', () => {
    for (const r of ROLES) {
      for (const a of ['users.write', 'catalog.publish', 'settings.write', 'topology.write', 'cluster.write', 'keys.rotate'] as const) {
        expect(can(r, a)).toBe(r === 'sovereign-admin')
      }
    }
  })
  it('lets audit be read by sovereign-admin and security-officer only', () => {
    expect(ROLES.filter((r) => can(r, 'audit.read'))).toEqual(['sovereign-admin', 'security-officer'])
  })
  it('keeps users from billing-admin', () => {
    expect(can('billing-admin', 'users.read')).toBe(false)
    expect(can('org-viewer', 'users.read')).toBe(true)
  })
  it('lets every role read catalog, settings and topology', () => {
    for (const r of ROLES) expect(can(r, 'catalog.read') && can(r, 'settings.read') && can(r, 'topology.read')).toBe(true)
  })
  it('shows nothing to an unknown or missing role', () => {
    expect(can('root', 'catalog.read')).toBe(false)
    expect(can(undefined, 'catalog.read')).toBe(false)
    expect(canSee(undefined, 'dashboard')).toBe(false)
    expect(canSee('org-viewer', 'cluster')).toBe(false)
    expect(canSee('org-viewer', 'dashboard')).toBe(true)
    expect(canSee('sovereign-admin', 'nowhere')).toBe(false)
  })
})

describe('last administrator', () => {
  const admin: User = { id: '1', email: 'a@x', name: '', role: 'sovereign-admin', status: 'active', lastSignInISO: '' }
  const viewer: User = { id: '2', email: 'v@x', name: '', role: 'org-viewer', status: 'active', lastSignInISO: '' }
  it('refuses to demote, disable or delete the only active admin', () => {
    expect(lastAdminGuard([admin, viewer], admin, { role: 'org-viewer' })).toMatch(/last active sovereign-admin/)
    expect(lastAdminGuard([admin, viewer], admin, { status: 'disabled' })).toMatch(/last/)
    expect(lastAdminGuard([admin, viewer], admin, { remove: true })).toMatch(/last/)
    expect(lastAdminGuard([admin, viewer], viewer, { remove: true })).toBe('')
  })
  it('allows it when another admin is active', () => {
    const other = { ...admin, id: '3' }
    expect(lastAdminGuard([admin, other], admin, { remove: true })).toBe('')
    expect(lastAdminGuard([admin, { ...other, status: 'disabled' }], admin, { remove: true })).not.toBe('')
  })
})
