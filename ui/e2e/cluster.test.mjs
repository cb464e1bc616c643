// A three-node cluster of real processes on loopback, joined with tokens
// over HTTPS as an operator would; the console on the first node's plain
// HTTP address shows all three members, moves the leadership and removes a
// member.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { adminPassword, apiLogin, launch, openContext, shot, signIn, sleep, startNode } from './harness.mjs'

describe('the cluster page with three nodes', () => {
  const nodes = []
  let browser, token

  const api = async (node, path, init = {}) => {
    const r = await fetch(node.url + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } })
    const text = await r.text()
    if (!r.ok) throw new Error(`${path}: ${r.status} ${text}`)
    return text ? JSON.parse(text) : null
  }

  before(async () => {
    const n1 = await startNode({ name: 'n1', https: true })
    nodes.push(n1)
    token = await apiLogin(n1)
    for (const name of ['n2', 'n3']) {
      const { token: join } = await api(n1, '/api/v1/cluster/tokens', { method: 'POST', body: JSON.stringify({ ttl: '10m', description: `e2e ${name}` }) })
      nodes.push(await startNode({ name, https: true, args: ['--join', n1.httpsURL, '--token', join] }))
    }
    // Joined nodes are promoted to voters once they have caught up.
    for (let i = 0; i < 100; i++) {
      const st = await api(n1, '/api/v1/cluster/status')
      if (st.members.length === 3 && st.members.every((m) => m.suffrage === 'Voter' && m.reachable)) break
      await sleep(200)
    }
    browser = await launch()
  })

  after(async () => {
    await browser?.close()
    for (const n of [...nodes].reverse()) await n.stop()
    for (const n of nodes) n.cleanup()
  })

  it('shows the three members with their roles and indexes, live', async () => {
    const n1 = nodes[0]
    const { page, rec } = await openContext(browser, n1.url)
    await signIn(page, n1.url, 'admin@sovereign.local', adminPassword(n1))
    await page.goto(`${n1.url}/cluster`)
    const table = page.getByRole('table', { name: 'Cluster members' })
    for (const name of ['n1', 'n2', 'n3']) await table.locator(`tr[data-member="${name}"]`).waitFor()
    assert.equal(await table.locator('tbody tr').count(), 3)
    await table.getByText('leader').first().waitFor()
    assert.equal(await table.getByText('voter', { exact: true }).count(), 2)
    // Applied indexes are numbers, and refresh on their own.
    const applied = async () => Number(await table.locator('tr[data-member="n1"] td').nth(4).textContent())
    const before = await applied()
    assert.ok(before > 0)
    await api(n1, '/api/v1/sovereign/settings', { method: 'PUT', body: JSON.stringify({ provider: 'hetzner' }) })
    await page.waitForFunction((b) => Number(document.querySelector('tr[data-member="n1"] td:nth-child(5)')?.textContent) > b, before, { timeout: 10_000 })
    await shot(page, 'cluster-three-nodes')

    await page.goto(`${n1.url}/dashboard`)
    const health = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Cluster health' }) })
    await health.getByText('3 (3 reachable)').waitFor()
    await shot(page, 'dashboard-three-nodes')

    // Leadership moves to n2 from the console.
    await page.goto(`${n1.url}/cluster`)
    const leaderBefore = (await api(n1, '/api/v1/cluster/status')).leader
    const target = ['n1', 'n2', 'n3'].find((n) => n !== leaderBefore)
    await table.locator(`tr[data-member="${target}"]`).getByRole('button', { name: 'Make leader' }).click()
    await page.getByText(/Leadership moved/).waitFor({ timeout: 15_000 })
    await table.locator(`tr[data-member="${target}"]`).getByText('leader').waitFor({ timeout: 10_000 })

    // n3 is removed, after a confirmation.
    const victim = ['n1', 'n2', 'n3'].find((n) => n !== target && n !== 'n1') ?? 'n3'
    await table.locator(`tr[data-member="${victim}"]`).getByRole('button', { name: `Remove ${victim}` }).click()
    const dialog = page.locator('dialog[open]')
    await dialog.getByText(`Remove ${victim}`).first().waitFor()
    await dialog.getByRole('button', { name: 'Remove member' }).click()
    await page.getByText(`${victim} was removed from the cluster.`).waitFor({ timeout: 15_000 })
    await table.locator(`tr[data-member="${victim}"]`).waitFor({ state: 'detached', timeout: 10_000 })
    assert.equal((await api(n1, '/api/v1/cluster/status')).members.length, 2)
    await shot(page, 'cluster-after-remove')
    assert.deepEqual(rec.pageErrors, [])
    assert.deepEqual(rec.foreign, [])
  })
})
