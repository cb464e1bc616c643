// The console in Debian's Chromium against a real `sovereign serve`: every
// page by deep link and by navigation, the writes an administrator makes,
// an ended session, and every page under a failing, empty or slow API.

import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  adminPassword, apiLogin, axe, launch, openContext, PAGES, shot, signIn, sleep, startNode,
} from './harness.mjs'

const ADMIN = 'admin@sovereign.local'

describe('the console on one node', () => {
  let node, browser, ctx, page, rec, url, token
  const records = []

  before(async () => {
    node = await startNode({ name: 'n1' })
    url = node.url
    token = await apiLogin(node)
    browser = await launch()
    ;({ context: ctx, page, rec } = await openContext(browser, url))
    records.push(rec)
  })

  after(async () => {
    await browser?.close()
    await node?.stop()
    node?.cleanup()
  })

  const api = async (path, init = {}) => {
    const r = await fetch(url + path, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } })
    const text = await r.text()
    return { status: r.status, body: text ? JSON.parse(text) : null }
  }
  const h1 = (p, name) => p.getByRole('heading', { level: 1, name, exact: true })

  it('sends a visitor without a session to the sign-in page', async () => {
    await page.goto(`${url}/users`)
    await page.waitForURL(/\/login/)
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    await shot(page, 'login')
  })

  it('refuses a wrong password with a clear message', async () => {
    await page.getByLabel('Email').fill(ADMIN)
    await page.getByLabel('Password').fill('not the password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor()
  })

  it('signs in and opens every page by deep link', async () => {
    await signIn(page, url, ADMIN, adminPassword(node))
    for (const p of PAGES) {
      await page.goto(url + p.path)
      await h1(page, p.heading).waitFor()
      await page.locator('[data-state="loading"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
      await shot(page, `page-${p.name}`)
    }
  })

  it('opens App detail by slug and by Blueprint name', async () => {
    for (const slug of ['cilium', 'bp-cilium']) {
      await page.goto(`${url}/app/${slug}`)
      await h1(page, 'Cilium').waitFor()
      await page.getByRole('heading', { name: 'Dependency tree' }).waitFor()
      await page.getByRole('heading', { name: 'Configuration schema' }).waitFor()
    }
    await page.goto(`${url}/app/bp-catalyst-platform`)
    await page.getByRole('list', { name: 'Dependencies' }).waitFor()
    assert.ok((await page.getByRole('list', { name: 'Dependencies' }).getByRole('listitem').count()) > 1)
    await page.goto(`${url}/app/no-such-blueprint`)
    await page.getByText('No Blueprint named no-such-blueprint').waitFor()
  })

  it('lands OpenOva console links (/provision/<id>/<page>) on the same page', async () => {
    for (const [from, to, heading] of [
      ['/provision/dep-1/dashboard', '/dashboard', 'Dashboard'],
      ['/provision/dep-1/users', '/users', 'Users'],
      ['/provision/dep-1/cloud', '/cloud', 'Cloud'],
      ['/provision/dep-1/app/bp-cilium', '/app/bp-cilium', 'Cilium'],
      ['/provision/dep-1', '/dashboard', 'Dashboard'],
    ]) {
      await page.goto(url + from)
      await page.waitForURL(new RegExp(`${to}$`))
      await h1(page, heading).waitFor()
    }
  })

  it('opens every page by navigation', async () => {
    await page.goto(`${url}/dashboard`)
    for (const p of PAGES.filter((x) => x.nav)) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: p.nav, exact: true }).click()
      await page.waitForURL(new RegExp(`${p.path}$`))
      await h1(page, p.heading).waitFor()
    }
    await page.getByRole('link', { name: 'Apps', exact: true }).click()
    await page.getByRole('link', { name: 'Cilium', exact: true }).click()
    await page.waitForURL(/\/app\/cilium$/)
    await h1(page, 'Cilium').waitFor()
    await page.getByRole('link', { name: 'Apps', exact: true }).first().click()
    await h1(page, 'Apps').waitFor()
  })

  it('moves through the sidebar with the keyboard, with a visible focus', async () => {
    await page.goto(`${url}/dashboard`)
    await h1(page, 'Dashboard').waitFor()
    await page.keyboard.press('Tab') // skip link
    await page.keyboard.press('Tab') // first nav link
    const focused = await page.evaluate(() => {
      const el = document.activeElement
      const s = el ? getComputedStyle(el) : null
      return { text: el?.textContent?.trim(), outline: s?.outlineStyle, width: s?.outlineWidth }
    })
    assert.equal(focused.text, 'Dashboard')
    assert.notEqual(focused.outline, 'none')
    await page.keyboard.press('Tab')
    await page.keyboard.press('Enter')
    await page.waitForURL(/\/apps$/)
  })

  it('tells that the node knows no FQDN and how to fix it', async () => {
    await page.goto(`${url}/dashboard`)
    await page.getByText('This node knows no FQDN yet').waitFor()
    await page.getByText('--fqdn sovereign.example.org').waitFor()
  })

  it('shows identity, cluster health and counts on the dashboard', async () => {
    await page.goto(`${url}/dashboard`)
    const health = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Cluster health' }) })
    await health.getByText('Leader').waitFor()
    await health.getByText('n1', { exact: true }).waitFor()
    const blueprints = page.locator('.stat').filter({ hasText: 'Blueprints' }).locator('.stat-value')
    await page.waitForFunction(() => /^\d+$/.test(document.querySelectorAll('.stat .stat-value')[1]?.textContent ?? ''))
    assert.ok(Number(await blueprints.textContent()) > 10)
  })

  it('adds a user, shows the generated password once, and the password works', async () => {
    await page.goto(`${url}/users`)
    await page.getByRole('button', { name: 'Add user' }).click()
    const dialog = page.locator('dialog[open]')
    await dialog.getByLabel('Email').fill('ops@customer.example')
    await dialog.getByLabel('Name').fill('Ops Person')
    await dialog.getByLabel('Role').selectOption('org-admin')
    await dialog.getByRole('button', { name: 'Add user' }).click()
    const pw = (await dialog.getByTestId('generated-password').textContent()).trim()
    assert.ok(pw.length >= 16, `generated password ${pw}`)
    await dialog.getByRole('button', { name: 'Copy password' }).click()
    await dialog.getByRole('button', { name: 'Copied' }).waitFor()
    await shot(page, 'users-added')
    await dialog.getByRole('button', { name: 'Done' }).click()
    await page.getByText('ops@customer.example', { exact: true }).waitFor()
    // The password shown is the one the server stored.
    const r = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'ops@customer.example', password: pw }) })
    assert.equal(r.status, 200)
  })

  it('changes a role, disables and enables, and deletes a user', async () => {
    await page.goto(`${url}/users`)
    await page.getByLabel('Role of ops@customer.example').selectOption('org-viewer')
    await page.getByText('Saved.').waitFor()
    await page.waitForFunction(() => (document.querySelector('select[id^="role-"]:not([disabled])') !== null))
    const row = page.getByRole('row').filter({ hasText: 'ops@customer.example' })
    await row.getByRole('button', { name: 'Disable' }).click()
    await row.getByText('disabled', { exact: true }).waitFor()
    await row.getByRole('button', { name: 'Enable' }).click()
    await row.getByText('active', { exact: true }).waitFor()
    const users = (await api('/api/v1/sovereign/users')).body.users
    assert.equal(users.find((u) => u.email === 'ops@customer.example').role, 'org-viewer')
    await row.getByRole('button', { name: 'Delete ops@customer.example' }).click()
    await page.locator('dialog[open]').getByRole('button', { name: 'Delete user' }).click()
    await page.getByText('User deleted.').waitFor()
    await row.waitFor({ state: 'detached' })
  })

  it('protects the last administrator with the server’s message', async () => {
    await page.goto(`${url}/users`)
    const row = page.getByRole('row').filter({ hasText: ADMIN })
    await row.getByRole('button', { name: 'Disable' }).click()
    await page.getByText('this is the last active sovereign-admin; make another user sovereign-admin first').waitFor()
    await shot(page, 'users-last-admin')
    const users = (await api('/api/v1/sovereign/users')).body.users
    assert.equal(users.find((u) => u.email === ADMIN).status, 'active')
  })

  it('changes a setting, and the identity stays read-only', async () => {
    await page.goto(`${url}/settings`)
    assert.equal(await page.getByLabel('Region').getAttribute('readonly'), '')
    await page.getByLabel('Provider').fill('hetzner')
    await page.getByRole('button', { name: 'Add feature' }).click()
    await page.getByLabel('Feature name 1').fill('betaConsole')
    await page.getByLabel('Value of feature betaConsole').fill('true')
    await page.getByRole('switch', { name: 'Marketplace enabled' }).click()
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText('Settings saved.').waitFor()
    const st = (await api('/api/v1/sovereign/settings')).body
    assert.equal(st.provider, 'hetzner')
    assert.equal(st.marketplaceEnabled, true)
    assert.equal(st.features.betaConsole, true)
    await page.reload()
    assert.equal(await page.getByLabel('Provider').inputValue(), 'hetzner')
  })

  it('rotates the session signing key and keeps the session', async () => {
    await page.goto(`${url}/settings`)
    await page.getByRole('button', { name: 'Rotate the signing key' }).click()
    await page.getByText(/signs new sessions; 2 keys verify/).waitFor()
    await page.reload()
    await h1(page, 'Settings').waitFor()
  })

  it('refuses a bad setting with the server’s explanation and changes nothing', async () => {
    await page.goto(`${url}/settings`)
    await page.getByLabel('FQDN').fill('Not A Domain!')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await page.getByText(/sovereignFQDN/).waitFor()
    assert.equal((await api('/api/v1/sovereign/settings')).body.sovereignFQDN, '')
  })

  it('flips a publish switch', async () => {
    await page.goto(`${url}/apps`)
    await page.getByLabel('Search apps').fill('cilium')
    const sw = page.getByRole('switch', { name: 'Publish Cilium' })
    const before = await sw.getAttribute('aria-checked')
    await sw.click()
    const want = before === 'true' ? 'false' : 'true'
    await page.waitForFunction(([w]) => document.querySelector('[role="switch"][aria-label="Publish Cilium"]')?.getAttribute('aria-checked') === w, [want])
    const cat = (await api('/api/v1/sovereign/catalog')).body
    assert.equal(String(cat.find((a) => a.slug === 'cilium').published), want)
  })

  it('filters the catalog by search, category and visibility', async () => {
    await page.goto(`${url}/apps`)
    await page.getByLabel('Search apps').fill('zzzz-nothing')
    await page.getByText('No app matches').waitFor()
    await page.getByLabel('Search apps').fill('')
    const categories = await page.getByLabel('Category').locator('option').allTextContents()
    assert.ok(categories.length > 2)
    await page.getByLabel('Category').selectOption({ index: 1 })
    const rows = await page.locator('tbody tr').count()
    assert.ok(rows > 0)
    await page.getByLabel('Visibility').selectOption('listed')
  })

  it('creates, edits and deletes topology entities', async () => {
    await page.goto(`${url}/cloud`)
    await page.getByRole('button', { name: 'Add entity' }).click()
    let dialog = page.locator('dialog[open]')
    await dialog.getByLabel('Kind').selectOption('regions')
    await dialog.getByLabel('Id', { exact: true }).fill('hz-fsn-e2e')
    await dialog.getByLabel('Name').fill('Falkenstein')
    await dialog.getByLabel('Provider', { exact: true }).fill('hetzner')
    await dialog.getByLabel('Workers').fill('3')
    await dialog.getByRole('button', { name: 'Create region' }).click()
    await dialog.waitFor({ state: 'detached' }).catch(() => {})
    const region = page.locator('li[data-kind="regions"][data-id="hz-fsn-e2e"]')
    await region.waitFor()
    await page.getByLabel('Add to hz-fsn-e2e').selectOption('clusters')
    dialog = page.locator('dialog[open]')
    await dialog.getByLabel('Id', { exact: true }).fill('apps-e2e')
    await dialog.getByLabel('Name').fill('apps')
    await dialog.getByLabel('Status').selectOption('degraded')
    await dialog.getByRole('button', { name: 'Create cluster' }).click()
    const cluster = page.locator('li[data-kind="clusters"][data-id="apps-e2e"]')
    await cluster.waitFor()
    await cluster.locator('.status-degraded').first().waitFor()
    await shot(page, 'cloud-with-entities')
    await page.getByRole('button', { name: 'Edit region hz-fsn-e2e' }).click()
    dialog = page.locator('dialog[open]')
    await dialog.getByLabel('Name').fill('Falkenstein DC')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await region.locator('.topo-name').first().filter({ hasText: 'Falkenstein DC' }).waitFor()
    // A region that holds a cluster is refused, with the server's reason.
    await page.getByRole('button', { name: 'Delete region hz-fsn-e2e' }).click()
    dialog = page.locator('dialog[open]')
    await dialog.getByRole('button', { name: 'Delete' }).click()
    await dialog.getByText(/still holds cluster apps-e2e/).waitFor()
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Delete cluster apps-e2e' }).click()
    await page.locator('dialog[open]').getByRole('button', { name: 'Delete' }).click()
    await cluster.waitFor({ state: 'detached' })
    await page.getByRole('button', { name: 'Delete region hz-fsn-e2e' }).click()
    await page.locator('dialog[open]').getByRole('button', { name: 'Delete' }).click()
    await region.waitFor({ state: 'detached' })
    const topo = (await api('/api/v1/sovereign/topology')).body
    assert.ok(!topo.topology.regions.some((r) => r.id === 'hz-fsn-e2e'))
  })

  it('creates a join token with the exact command to run, lists and revokes it', async () => {
    await page.goto(`${url}/cluster`)
    await page.getByLabel('Description').fill('node n4')
    await page.getByRole('button', { name: 'Create join token' }).click()
    const line = (await page.getByTestId('join-line').textContent()).trim()
    assert.match(line, /^sovereign serve --join https:\/\/127\.0\.0\.1:8443 --token K10[0-9a-f]{64}::\S+ --region local$/)
    await page.getByRole('button', { name: 'Copy command' }).click()
    await page.getByRole('cell', { name: 'node n4' }).waitFor()
    await shot(page, 'cluster-token')
    const tokens = (await api('/api/v1/cluster/tokens')).body.tokens
    assert.equal(tokens.length, 1)
    await page.getByRole('row').filter({ hasText: 'node n4' }).getByRole('button', { name: 'Revoke' }).click()
    await page.getByText('No join tokens').waitFor()
  })

  it('downloads a snapshot', async () => {
    await page.goto(`${url}/cluster`)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download snapshot' }).click()])
    assert.match(download.suggestedFilename(), /^sovereign-local\.snapshot$/)
    const path = await download.path()
    const { statSync } = await import('node:fs')
    assert.ok(statSync(path).size > 1000)
    await page.getByText(/Saved sovereign-local\.snapshot/).waitFor()
  })

  it('verifies the audit chain and filters the trail', async () => {
    await page.goto(`${url}/audit`)
    await page.getByRole('button', { name: 'Verify the chain' }).click()
    await page.getByTestId('chain-result').getByText(/Chain intact: all \d+ entries verified/).waitFor()
    await page.getByLabel('Action').fill('user.create')
    await page.locator('tbody').getByText(/ops@customer\.example/).first().waitFor()
    assert.equal(await page.locator('tbody tr').count(), 1)
    await page.getByLabel('Action').fill('')
    await page.getByLabel('Actor').fill('nobody-at-all')
    await page.getByText('No entry on this page matches').waitFor()
    await shot(page, 'audit-verified')
  })

  it('stays inside the viewport at 1024 px', async () => {
    await page.setViewportSize({ width: 1024, height: 768 })
    for (const p of PAGES) {
      await page.goto(url + p.path)
      await h1(page, p.heading).waitFor()
      await sleep(300)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      assert.ok(overflow <= 0, `${p.path} scrolls sideways by ${overflow}px at 1024 px`)
      const hidden = await page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('.table-wrap')].map((t) => t.scrollWidth - t.clientWidth)))
      assert.ok(hidden <= 0, `${p.path}: a table hides ${hidden}px of its columns at 1024 px`)
      await shot(page, `w1024-${p.name}`)
    }
    await page.setViewportSize({ width: 1280, height: 860 })
  })

  for (const mode of ['503', 'empty', 'slow']) {
    it(`shows every page's ${mode === '503' ? 'error' : mode === 'empty' ? 'empty' : 'loading'} state when the API answers ${mode === 'empty' ? '{}' : mode}`, async () => {
      for (const p of PAGES) {
        const { context, page: pg, rec: r } = await openContext(browser, url)
        records.push(r)
        await context.addCookies(await ctx.cookies())
        await context.route(/\/api\/v1\/(sovereign|cluster)\//, async (route) => {
          if (mode === '503') return route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"not ready: no leader yet"}' })
          if (mode === 'empty') return route.fulfill({ status: 200, contentType: 'application/json', body: '{}' })
          await sleep(4000)
          return route.continue().catch(() => {})
        })
        await pg.goto(url + p.path)
        await pg.locator('h1, [data-state]').first().waitFor()
        if (mode === '503') {
          await pg.locator('[data-state="error"]').first().waitFor({ timeout: 8000 })
          assert.ok((await pg.getByText('not ready: no leader yet').count()) > 0, `${p.path}: the server's message is shown`)
        } else if (mode === 'empty') {
          await sleep(400)
          if (!['dashboard', 'settings'].includes(p.name)) await pg.locator('[data-state="empty"]').first().waitFor({ timeout: 5000 })
          else await h1(pg, p.heading).waitFor()
        } else {
          await pg.locator('[data-state="loading"], .skeleton').first().waitFor({ timeout: 2000 })
          await h1(pg, p.heading).waitFor({ timeout: 15_000 })
          await pg.locator('[data-state="loading"]').first().waitFor({ state: 'detached', timeout: 15_000 })
        }
        assert.ok(await pg.locator('#root > *').count() > 0, `${p.path} rendered nothing`)
        await shot(pg, `state-${mode}-${p.name}`)
        assert.deepEqual(r.pageErrors, [], `${p.path} with ${mode}: uncaught errors`)
        await context.close()
      }
    })
  }

  it('finds no serious or critical accessibility violation, in light and dark', async () => {
    for (const colorScheme of ['light', 'dark']) {
      const { context, page: pg, rec: r } = await openContext(browser, url, { colorScheme, bypassCSP: true })
      records.push(r)
      await pg.goto(`${url}/login`)
      await pg.getByRole('button', { name: 'Sign in' }).waitFor()
      assert.deepEqual(await axe(pg), [], `login (${colorScheme})`)
      await context.addCookies(await ctx.cookies())
      for (const p of PAGES) {
        await pg.goto(url + p.path)
        await h1(pg, p.heading).waitFor()
        await pg.locator('[data-state="loading"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
        await sleep(200)
        assert.deepEqual(await axe(pg), [], `${p.path} (${colorScheme})`)
        await shot(pg, `${colorScheme}-${p.name}`)
      }
      await context.close()
    }
  })

  it('shows each role only the pages and actions it is allowed', async () => {
    const password = 'viewer password that is long enough'
    for (const [email, role] of [['viewer@customer.example', 'org-viewer'], ['auditor@customer.example', 'security-officer'], ['billing@customer.example', 'billing-admin']]) {
      const made = await api('/api/v1/sovereign/users', { method: 'POST', body: JSON.stringify({ email, role, password }) })
      assert.equal(made.status, 201, JSON.stringify(made.body))
      const { context, page: pg, rec: r } = await openContext(browser, url)
      records.push(r)
      await signIn(pg, url, email, password)
      const nav = (await pg.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).map((t) => t.trim())
      const want = ['Dashboard', 'Apps', 'Cloud', ...(role === 'billing-admin' ? [] : ['Users']), ...(role === 'security-officer' ? ['Audit'] : []), 'Settings']
      assert.deepEqual(nav, want, `${role} sees ${nav}`)
      // The dashboard's health comes from the topology for a role that may not read the cluster.
      await pg.locator('section').filter({ has: pg.getByRole('heading', { name: 'Cluster health' }) }).getByText('sovereign', { exact: true }).waitFor()
      await pg.goto(`${url}/apps`)
      await pg.locator('tbody tr').first().waitFor()
      assert.equal(await pg.getByRole('switch').count(), 0, `${role} gets no publish switch`)
      await pg.goto(`${url}/cloud`)
      await h1(pg, 'Cloud').waitFor()
      await pg.locator('li[data-kind="clusters"]').first().waitFor()
      assert.equal(await pg.getByRole('button', { name: 'Add entity' }).count(), 0)
      assert.equal(await pg.locator('.add-select').count(), 0)
      await pg.goto(`${url}/settings`)
      await h1(pg, 'Settings').waitFor()
      await pg.getByText('Only a sovereign-admin can change settings.').waitFor()
      assert.equal(await pg.getByLabel('Provider').getAttribute('readonly'), '')
      assert.equal(await pg.getByRole('button', { name: 'Rotate the signing key' }).count(), 0)
      if (role !== 'billing-admin') {
        await pg.goto(`${url}/users`)
        await pg.getByText(ADMIN, { exact: true }).waitFor()
        assert.equal(await pg.getByRole('button', { name: 'Add user' }).count(), 0)
        assert.equal(await pg.getByRole('button', { name: 'Disable' }).count(), 0)
      }
      await pg.goto(`${url}/cluster`)
      await pg.getByText('Not available to your role').waitFor()
      await pg.goto(`${url}/audit`)
      if (role === 'security-officer') await pg.getByRole('button', { name: 'Verify the chain' }).waitFor()
      else await pg.getByText('Not available to your role').waitFor()
      await shot(pg, `role-${role}-audit`)
      await context.close()
    }
  })

  it('returns to sign-in with a message when the session ends', async () => {
    await page.goto(`${url}/dashboard`)
    await h1(page, 'Dashboard').waitFor()
    const cookie = (await ctx.cookies()).find((c) => c.name === 'catalyst_session')
    assert.ok(cookie, 'session cookie set')
    const r = await fetch(`${url}/api/v1/auth/session`, { method: 'DELETE', headers: { Authorization: `Bearer ${cookie.value}` } })
    assert.equal(r.status, 204)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click()
    await page.waitForURL(/\/login/)
    await page.getByText('Your session has ended').waitFor()
    await shot(page, 'login-expired')
    // Signing in again returns to the page the session ended on.
    await page.getByLabel('Email').fill(ADMIN)
    await page.getByLabel('Password').fill(adminPassword(node))
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/users$/)
  })

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByText('You are signed out.').waitFor()
    await page.goto(`${url}/dashboard`)
    await page.waitForURL(/\/login/)
  })

  it('made no request off the node, no uncaught error and no CSP violation', () => {
    for (const r of records) {
      assert.deepEqual(r.foreign, [], 'requests left the node')
      assert.deepEqual(r.pageErrors, [], 'uncaught errors')
      assert.deepEqual(r.consoleErrors.filter((e) => !/status of (401|503)/.test(e)), [], 'console errors')
    }
    assert.ok(records.reduce((n, r) => n + r.requests, 0) > 100)
  })
})
