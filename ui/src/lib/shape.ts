// Defensive readers for answers from the API. Every page reads what the
// server sent through these, so a missing field, a null, `{}` or a value
// of the wrong type becomes an empty value instead of an exception.

export type Json = unknown

export function obj(v: Json): Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, Json>) : {}
}

export function arr(v: Json): Json[] {
  return Array.isArray(v) ? v : []
}

export function str(v: Json, fallback = ''): string {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return fallback
}

export function num(v: Json, fallback = 0): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return fallback
}

export function bool(v: Json): boolean {
  return v === true || v === 'true'
}

export function strs(v: Json): string[] {
  return arr(v)
    .map((x) => str(x))
    .filter((x) => x !== '')
}

/** A status as the topology speaks it; anything else is "unknown". */
export type Health = 'healthy' | 'degraded' | 'failed' | 'unknown'

export function health(v: Json): Health {
  return v === 'healthy' || v === 'degraded' || v === 'failed' ? v : 'unknown'
}

/** ISO time to a short local form, or '' when absent or unparseable. */
export function when(v: Json): string {
  const s = str(v)
  if (!s || s.startsWith('0001-01-01')) return ''
  const t = Date.parse(s)
  if (Number.isNaN(t)) return ''
  return new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

/** How long ago an ISO time was, in words ("3 s ago"), or ''. */
export function ago(v: Json, now = Date.now()): string {
  const s = str(v)
  if (!s || s.startsWith('0001-01-01')) return ''
  const t = Date.parse(s)
  if (Number.isNaN(t)) return ''
  const d = Math.max(0, Math.round((now - t) / 1000))
  if (d < 60) return `${d} s ago`
  if (d < 3600) return `${Math.floor(d / 60)} min ago`
  if (d < 86400) return `${Math.floor(d / 3600)} h ago`
  return `${Math.floor(d / 86400)} d ago`
}
