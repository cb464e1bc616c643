// The one way the console talks to its node: same origin, the session
// cookie, JSON in and out. Errors become ApiError with the server's own
// message, so pages can show what to do next.

import { obj, str } from '../lib/shape'

export class ApiError extends Error {
  status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

type Listener = (e: ApiError) => void
let onUnauthorized: Listener = () => {}

/** setUnauthorizedHandler is called by the app once: a 401 from any API
 * call (other than signing in) ends up there. */
export function setUnauthorizedHandler(fn: Listener) {
  onUnauthorized = fn
}

function messageOf(status: number, body: unknown, text: string): string {
  const o = obj(body)
  const m = str(o.error) || str(o.message)
  const detail = str(o.detail)
  if (m) return detail ? `${m}: ${detail}` : m
  if (status === 503) return 'The node is not ready to answer (503). It may be electing a leader or starting; try again in a moment.'
  if (status >= 500) return `The node failed to answer (${status}).`
  if (text && text.length < 200 && !text.startsWith('<')) return text
  return `Request failed (${status}).`
}

export interface RequestOptions {
  method?: string
  body?: unknown
  /** do not treat a 401 as an ended session (the sign-in form). */
  quiet401?: boolean
  signal?: AbortSignal
}

export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  let body: BodyInit | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  let res: Response
  try {
    res = await fetch(path, { method: opts.method ?? 'GET', headers, body, credentials: 'same-origin', signal: opts.signal })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    throw new ApiError(0, 'The node cannot be reached. Check that it is running and that this network reaches it.')
  }
  const text = await res.text().catch(() => '')
  let data: unknown = undefined
  if (text) {
    try {
      data = JSON.parse(text)
    } catch {
      data = undefined
    }
  }
  if (!res.ok) {
    const err = new ApiError(res.status, messageOf(res.status, data, text))
    if (res.status === 401 && !opts.quiet401) onUnauthorized(err)
    throw err
  }
  return data as T
}

export const SOV = '/api/v1/sovereign'
