// After `vite build`: precompress every hashed asset (.br and .gz beside
// it, served by Accept-Encoding), refuse a build with inline script or
// style (the server's Content-Security-Policy forbids them), and record
// the sources' content hash in build.json so a stale committed build is
// caught (embed/ui_test.go, scripts/ui-check.sh).

import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import { sourceHash } from './sources.mjs'

const uiDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(uiDir, '..', 'embed', 'ui')

const index = readFileSync(join(outDir, 'index.html'), 'utf8')
const inline = [...index.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].filter((m) => m[2].trim() !== '' || !/\bsrc=/.test(m[1]))
if (inline.length > 0 || /<style\b/.test(index) || /\sstyle=/.test(index)) {
  console.error('postbuild: index.html has inline script or style, which the Content-Security-Policy refuses')
  process.exit(1)
}

const assets = join(outDir, 'assets')
let raw = 0
let br = 0
for (const name of readdirSync(assets)) {
  if (name.endsWith('.gz') || name.endsWith('.br')) continue
  const p = join(assets, name)
  const data = readFileSync(p)
  raw += data.length
  // gzip's header carries no time when written by zlib, so the output is
  // the same for the same input: a rebuild of unchanged sources changes nothing.
  writeFileSync(p + '.gz', gzipSync(data, { level: 9 }))
  const b = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } })
  writeFileSync(p + '.br', b)
  br += b.length
}

const files = readdirSync(assets).filter((n) => !n.endsWith('.gz') && !n.endsWith('.br')).sort()
writeFileSync(join(outDir, 'build.json'), JSON.stringify({ sources: sourceHash(uiDir), assets: files }, null, 2) + '\n')
console.log(`postbuild: ${files.length} assets, ${(raw / 1024).toFixed(1)} KiB raw, ${(br / 1024).toFixed(1)} KiB brotli; sources ${sourceHash(uiDir).slice(0, 12)}`)
