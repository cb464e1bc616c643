// Fails when the committed console build (../embed/ui) was not made from
// ui/'s sources as they are now: build.json records their content hash.

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sourceHash } from './sources.mjs'

const uiDir = join(dirname(fileURLToPath(import.meta.url)), '..')
let recorded = ''
try {
  recorded = JSON.parse(readFileSync(join(uiDir, '..', 'embed', 'ui', 'build.json'), 'utf8')).sources
} catch (e) {
  console.error(`ui-check: embed/ui/build.json: ${e.message}; run \`npm run build\` in ui/ and commit embed/ui`)
  process.exit(1)
}
const now = sourceHash(uiDir)
if (recorded !== now) {
  console.error(`ui-check: the committed console build (embed/ui) is older than ui/'s sources (built from ${recorded.slice(0, 12)}, sources are ${now.slice(0, 12)}); run \`npm ci && npm run build\` in ui/ and commit embed/ui`)
  process.exit(1)
}
console.log(`ui-check: embed/ui is built from the current sources (${now.slice(0, 12)})`)
