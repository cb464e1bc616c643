// The content hash of the console's sources: what the committed build in
// ../embed/ui was made from. embed/ui_test.go computes the same hash in Go
// (keep the two in step): SHA-256 over, for each file in byte order of its
// path relative to ui/, the path, a NUL, the file's length in decimal, a
// NUL, and its bytes.

import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

/** The files and folders of ui/ that shape the build. */
export const SOURCE_ROOTS = ['index.html', 'package.json', 'package-lock.json', 'tsconfig.json', 'vite.config.ts', 'public', 'scripts', 'src']

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else out.push(p)
  }
}

export function sourceFiles(uiDir) {
  const out = []
  for (const r of SOURCE_ROOTS) {
    const p = join(uiDir, r)
    let st
    try {
      st = statSync(p)
    } catch {
      continue
    }
    if (st.isDirectory()) walk(p, out)
    else out.push(p)
  }
  return out
    .map((p) => relative(uiDir, p).split(sep).join('/'))
    .filter((p) => !p.endsWith('.test.ts'))
    .sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))))
}

export function sourceHash(uiDir) {
  const h = createHash('sha256')
  for (const rel of sourceFiles(uiDir)) {
    const data = readFileSync(join(uiDir, rel))
    h.update(rel)
    h.update('\0')
    h.update(String(data.length))
    h.update('\0')
    h.update(data)
  }
  return h.digest('hex')
}
