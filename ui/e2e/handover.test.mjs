// The OpenOva handover in the browser: a node started with --fqdn and the
// OpenOva console's public key accepts a freshly minted RS256 token at
// /auth/handover, sets the session cookie and lands on the dashboard.

import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { axe, handoverKey, launch, mintHandover, openContext, shot, startNode } from './harness.mjs'

const FQDN = 'acme.sovereign.test'

describe('the handover from the OpenOva console', () => {
  let node, browser, keyDir, key

  before(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'sovereign-ui-handover-'))
    key = handoverKey(keyDir)
    node = await startNode({ name: 'h1', args: ['--fqdn', FQDN, '--deployment-id', 'dep-e2e-1', '--provider', 'hetzner', '--handover-public-key', key.pubPath] })
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    await node?.stop()
    node?.cleanup()
    rmSync(keyDir, { recursive: true, force: true })
  })

  it('signs the owner in and lands on the dashboard', async () => {
    const { page, rec } = await openContext(browser, node.url)
    const token = mintHandover(key.privateKey, FQDN)
    await page.goto(`${node.url}/auth/handover?token=${token}`)
    await page.waitForURL(/\/dashboard$/)
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
    await page.getByText('Owner', { exact: true }).waitFor()
    await page.locator('.who-role').getByText('sovereign-admin').waitFor()
    const identity = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Identity' }) })
    await identity.getByText(FQDN, { exact: true }).waitFor()
    await identity.getByText('dep-e2e-1').waitFor()
    await identity.getByText('hetzner').waitFor()
    assert.equal(await page.getByText('This node knows no FQDN yet').count(), 0)
    await page.getByText(`console.${FQDN}`).first().waitFor()
    await shot(page, 'handover-dashboard')
    // The owner is a user now, and the handover time is recorded.
    await page.getByRole('link', { name: 'Users', exact: true }).click()
    await page.getByText('owner@customer.example', { exact: true }).waitFor()
    await page.getByRole('link', { name: 'Settings', exact: true }).click()
    assert.notEqual(await page.getByLabel('Handover').inputValue(), 'not handed over')
    // The same token a second time is refused: its jti is spent.
    const again = await fetch(`${node.url}/auth/handover?token=${token}`, { redirect: 'manual' })
    assert.equal(again.status, 401)
    assert.deepEqual(await again.json(), { error: 'token already used' })
    assert.deepEqual(rec.pageErrors, [])
    assert.deepEqual(rec.foreign, [])
  })

  it('refuses a token for another Sovereign', async () => {
    const r = await fetch(`${node.url}/auth/handover?token=${mintHandover(key.privateKey, 'other.example')}`, { redirect: 'manual' })
    assert.equal(r.status, 401)
    assert.deepEqual(await r.json(), { error: 'invalid audience' })
  })

  it('passes axe on the dashboard of a handed-over node', async () => {
    const { page } = await openContext(browser, node.url, { bypassCSP: true, colorScheme: 'dark' })
    await page.goto(`${node.url}/auth/handover?token=${mintHandover(key.privateKey, FQDN)}`)
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
    await page.locator('.stat .skeleton').first().waitFor({ state: 'detached' }).catch(() => {})
    assert.deepEqual(await axe(page), [])
  })
})
