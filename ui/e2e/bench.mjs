// The dashboard's first load in Debian's Chromium against a real node on
// loopback: bytes transferred (the browser's resource timings) and the time
// from navigation start to the first meaningful render (the dashboard with
// its identity and counts filled in), over fresh browser contexts (cold
// cache) and over reloads (warm cache). Prints a markdown section for
// docs/BENCHMARKS.md. Run by scripts/bench-ui.sh.

import { adminPassword, apiLogin, launch, startNode } from './harness.mjs'

const RUNS = Number(process.env.RUNS ?? 15)
const BUDGET_BYTES = 300 * 1024
const BUDGET_MS = 1000

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const max = (xs) => Math.max(...xs)

async function measure(page, url) {
  await page.goto(`${url}/dashboard`, { waitUntil: 'commit' })
  // The first frame in which the dashboard shows its identity and counts.
  const ready = await page.waitForFunction(() => {
    const values = [...document.querySelectorAll('.stat .stat-value')].map((e) => e.textContent ?? '')
    const identity = document.querySelector('.kv')
    return values.length === 4 && values.slice(0, 3).every((v) => /^\d+$/.test(v)) && identity ? performance.now() : false
  }, null, { polling: 'raf', timeout: 20_000 })
  const fmr = await ready.jsonValue()
  await page.waitForLoadState('networkidle')
  return page.evaluate((fmrMs) => {
    const nav = performance.getEntriesByType('navigation')[0]
    const res = performance.getEntriesByType('resource')
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0
    const assets = res.filter((r) => new URL(r.name).pathname.startsWith('/assets/'))
    const api = res.filter((r) => new URL(r.name).pathname.startsWith('/api/'))
    const sum = (xs, k) => xs.reduce((n, r) => n + r[k], 0)
    return {
      fmr: fmrMs, fcp,
      total: nav.transferSize + sum(res, 'transferSize'),
      document: nav.transferSize,
      assets: sum(assets, 'transferSize'),
      assetsDecoded: sum(assets, 'decodedBodySize'),
      api: sum(api, 'transferSize'),
      requests: res.length + 1,
    }
  }, fmr)
}

const node = await startNode({ name: 'bench' })
const browser = await launch()
try {
  const token = await apiLogin(node)
  void token
  const cold = []
  const warm = []
  const cookieValue = async () => {
    const r = await fetch(`${node.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'admin@sovereign.local', password: adminPassword(node) }),
    })
    return (await r.json()).token
  }
  const session = await cookieValue()
  for (let i = 0; i < RUNS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    await context.addCookies([{ name: 'catalyst_session', value: session, url: node.url }])
    const page = await context.newPage()
    const c = await measure(page, node.url)
    const w = await measure(page, node.url)
    if (i > 0) {
      // the first run warms the node and the browser process, not the page cache
      cold.push(c)
      warm.push(w)
    }
    await context.close()
  }
  const kb = (n) => (n / 1024).toFixed(1)
  const row = (name, xs, key, unit, budget) => {
    const m = median(xs.map((x) => x[key]))
    const mx = max(xs.map((x) => x[key]))
    const fmt = unit === 'KB' ? kb : (n) => n.toFixed(0)
    const ratio = budget ? `${(m / budget).toFixed(2)}` : ''
    return `| ${name} | ${fmt(m)} ${unit} | ${fmt(mx)} ${unit} | ${budget ? `${unit === 'KB' ? kb(budget) : budget} ${unit}` : ''} | ${ratio} |`
  }
  const c0 = cold[0]
  console.log(`## Console: the dashboard's first load

Command: \`scripts/bench-ui.sh\` (RUNS=${RUNS}): one \`sovereign serve --dev\` node on loopback, Debian's Chromium
(headless, via playwright-core), a signed-in session; each run opens /dashboard in a fresh browser context
(empty cache), then reloads it (warm cache). Bytes are the browser's resource timings (transferSize:
headers and the body as sent, brotli for the assets); the first meaningful render is the first animation
frame, counted from navigation start, in which the dashboard shows its counts and identity.

| measure | median | max | budget | median / budget |
|---|---|---|---|---|
${row('cold load: bytes transferred', cold, 'total', 'KB', BUDGET_BYTES)}
${row('cold load: first meaningful render', cold, 'fmr', 'ms', BUDGET_MS)}
${row('cold load: first contentful paint', cold, 'fcp', 'ms', 0)}
${row('warm reload: bytes transferred', warm, 'total', 'KB', BUDGET_BYTES)}
${row('warm reload: first meaningful render', warm, 'fmr', 'ms', BUDGET_MS)}

Cold load in parts: document ${kb(c0.document)} KB, hashed assets ${kb(c0.assets)} KB on the wire
(${kb(c0.assetsDecoded)} KB decoded), API answers ${kb(c0.api)} KB, ${c0.requests} requests.
`)
  const worst = cold.reduce((a, b) => (b.total > a.total ? b : a))
  if (worst.total > BUDGET_BYTES || median(cold.map((x) => x.fmr)) > BUDGET_MS) process.exitCode = 1
} finally {
  await browser.close()
  await node.stop()
  node.cleanup()
}
