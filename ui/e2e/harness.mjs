// What the browser tests share: the sovereign binary started as a real
// process on loopback, Debian's Chromium driven by playwright-core, and the
// checks every page gets (no uncaught error, no request off the node, no
// CSP violation, axe-core, a screenshot).

import { execFileSync, spawn } from 'node:child_process'
import { createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const uiDir = join(here, '..')
export const repoDir = join(uiDir, '..')
export const artifacts = join(here, 'artifacts')
mkdirSync(artifacts, { recursive: true })
const require = createRequire(import.meta.url)

/** Every page of the console, by the path a deep link uses. */
export const PAGES = [
  { name: 'dashboard', path: '/dashboard', heading: 'Dashboard', nav: 'Dashboard' },
  { name: 'apps', path: '/apps', heading: 'Apps', nav: 'Apps' },
  { name: 'app-detail', path: '/app/cilium', heading: 'Cilium', nav: null },
  { name: 'cloud', path: '/cloud', heading: 'Cloud', nav: 'Cloud' },
  { name: 'cluster', path: '/cluster', heading: 'Cluster', nav: 'Cluster' },
  { name: 'users', path: '/users', heading: 'Users', nav: 'Users' },
  { name: 'audit', path: '/audit', heading: 'Audit', nav: 'Audit' },
  { name: 'settings', path: '/settings', heading: 'Settings', nav: 'Settings' },
]

let builtBinary = ''

/** binary is $SOVEREIGN_BIN, or the repository built once into a temp folder. */
export function binary() {
  if (process.env.SOVEREIGN_BIN) return process.env.SOVEREIGN_BIN
  if (builtBinary) return builtBinary
  const out = join(mkdtempSync(join(tmpdir(), 'sovereign-ui-bin-')), 'sovereign')
  execFileSync('go', ['build', '-o', out, '.'], { cwd: repoDir, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0' } })
  builtBinary = out
  return out
}

let serveHelp = ''

/** serveFlags is `sovereign serve --help`, to pass only flags the binary has. */
function serveFlags() {
  if (!serveHelp) serveHelp = execFileSync(binary(), ['serve', '--help'], { encoding: 'utf8' })
  return serveHelp
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** startNode runs `sovereign serve` and waits until /readyz says ready. */
export async function startNode({ name = 'n1', args = [], dir, https = false } = {}) {
  const dataDir = dir ?? mkdtempSync(join(tmpdir(), `sovereign-ui-${name}-`))
  const http = await freePort()
  const raft = await freePort()
  const httpsPort = https ? await freePort() : 0
  const argv = ['serve', '--dev', '--data-dir', dataDir, '--node-name', name, '--http', `127.0.0.1:${http}`, '--raft', `127.0.0.1:${raft}`]
  if (https) argv.push('--https', `127.0.0.1:${httpsPort}`)
  // Every listener on a free loopback port, so nodes never collide.
  if (serveFlags().includes('--etcd ')) argv.push('--etcd', `127.0.0.1:${await freePort()}`)
  argv.push(...args)
  const log = []
  const proc = spawn(binary(), argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  proc.stdout.on('data', (d) => log.push(String(d)))
  proc.stderr.on('data', (d) => log.push(String(d)))
  const url = `http://127.0.0.1:${http}`
  const node = {
    name, url, dataDir, proc, log, httpsURL: https ? `https://127.0.0.1:${httpsPort}` : '',
    async stop() {
      if (proc.exitCode !== null) return
      proc.kill('SIGTERM')
      for (let i = 0; i < 100 && proc.exitCode === null; i++) await sleep(100)
      if (proc.exitCode === null) proc.kill('SIGKILL')
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  const deadline = Date.now() + 30_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`sovereign serve exited (${proc.exitCode}):\n${log.join('')}`)
    try {
      const r = await fetch(`${url}/readyz`)
      if (r.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await node.stop()
      throw new Error(`${name} not ready after 30 s:\n${log.join('')}`)
    }
    await sleep(100)
  }
  return node
}

export function adminPassword(node) {
  return readFileSync(join(node.dataDir, 'admin-password'), 'utf8').trim()
}

/** apiLogin signs in over HTTP and returns a bearer token, for set-up calls. */
export async function apiLogin(node, email = 'admin@sovereign.local', password = adminPassword(node)) {
  const r = await fetch(`${node.url}/api/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) })
  if (!r.ok) throw new Error(`login: ${r.status} ${await r.text()}`)
  return (await r.json()).token
}

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions',
  '--metrics-recording-only', '--no-default-browser-check',
]

export async function launch(extraArgs = []) {
  // playwright-core gives each launch a new, empty profile directory.
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] })
}

/** openContext opens a browser context that records what the tests check:
 * uncaught errors, console errors (CSP violations among them) and every
 * request that goes anywhere but the node's origin. */
export async function openContext(browser, origin, opts = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 860 },
    colorScheme: opts.colorScheme ?? 'light',
    bypassCSP: opts.bypassCSP ?? false,
    ignoreHTTPSErrors: opts.ignoreHTTPSErrors ?? false,
    acceptDownloads: true,
  })
  const rec = { pageErrors: [], consoleErrors: [], foreign: [], requests: 0 }
  const allowed = new Set([origin, ...(opts.alsoAllowed ?? [])])
  context.on('request', (req) => {
    rec.requests++
    const u = req.url()
    if (u.startsWith('data:') || u.startsWith('blob:') || u === 'about:blank') return
    let o
    try {
      o = new URL(u).origin
    } catch {
      o = u
    }
    if (!allowed.has(o)) rec.foreign.push(u)
  })
  context.on('page', (p) => watchPage(p, rec))
  const page = await context.newPage()
  return { context, page, rec }
}

function watchPage(page, rec) {
  page.on('pageerror', (e) => rec.pageErrors.push(`${page.url()}: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    const t = m.text()
    // Failed API calls are logged by the browser as resource errors; the
    // resilience tests cause them on purpose. Everything else counts.
    if (/Failed to load resource/.test(t)) return
    rec.consoleErrors.push(`${page.url()}: ${t}`)
  })
}

export async function signIn(page, url, email, password) {
  await page.goto(`${url}/login`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(/\/dashboard$/)
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor()
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true })
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

/** axe runs axe-core on the page and returns its serious and critical
 * violations. The page's context must bypass the CSP, which (rightly)
 * refuses the injected script. */
export async function axe(page) {
  await page.addScriptTag({ content: axeSource })
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))
  })
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** handoverKey makes an RSA key pair and writes the public half for
 * --handover-public-key. */
export function handoverKey(dir) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pubPath = join(dir, 'handover.pub.pem')
  writeFileSync(pubPath, publicKey.export({ type: 'spki', format: 'pem' }))
  return { pubPath, privateKey: createPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' })) }
}

const b64url = (buf) => Buffer.from(buf).toString('base64url')

/** mintHandover signs a handover token as OpenOva's console does: RS256, no kid. */
export function mintHandover(privateKey, fqdn, claims = {}) {
  const now = Math.floor(Date.now() / 1000)
  const header = { alg: 'RS256', typ: 'JWT' }
  const payload = {
    iss: 'https://console.openova.io', sub: 'openova-user-1', aud: [`https://console.${fqdn}`],
    iat: now, nbf: now - 5, exp: now + 300, jti: randomUUID(),
    email: 'owner@customer.example', email_verified: true, role: 'sovereign-admin', name: 'Owner',
    sovereign_fqdn: fqdn, ...claims,
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  return `${input}.${b64url(sign('sha256', Buffer.from(input), privateKey))}`
}

export { sleep }
