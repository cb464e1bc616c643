// The console's reads, each shaped on arrival so every page works with
// complete values whatever the node answered.

import { useQuery } from '@tanstack/react-query'
import { shapeCatalog, shapeDetail } from '../lib/deps'
import { shapeAudit, shapeClusterStatus, shapeMe, shapeSettings, shapeTokens, shapeUsers } from '../lib/models'
import { shapeTopology } from '../lib/topology'
import { api, SOV } from './client'

export const keys = {
  me: ['me'] as const,
  users: ['users'] as const,
  catalog: ['catalog'] as const,
  detail: (slug: string) => ['catalog', slug] as const,
  settings: ['settings'] as const,
  topology: ['topology'] as const,
  entities: (kind: string) => ['topology', 'entities', kind] as const,
  cluster: ['cluster', 'status'] as const,
  tokens: ['cluster', 'tokens'] as const,
  audit: (after: number, limit: number) => ['audit', after, limit] as const,
}

export const useMe = () =>
  // Asked again on every page the user opens, so an ended session is
  // noticed at the next click, not at the next write.
  useQuery({ queryKey: keys.me, queryFn: async ({ signal }) => shapeMe(await api('/api/v1/auth/me', { signal })), staleTime: 0 })

export const useUsers = (enabled = true) =>
  useQuery({ queryKey: keys.users, queryFn: async ({ signal }) => shapeUsers(await api(`${SOV}/users`, { signal })), enabled })

export const useCatalog = (enabled = true) =>
  useQuery({ queryKey: keys.catalog, queryFn: async ({ signal }) => shapeCatalog(await api(`${SOV}/catalog`, { signal })), enabled })

export const useDetail = (slug: string) =>
  useQuery({
    queryKey: keys.detail(slug),
    queryFn: async ({ signal }) => shapeDetail(await api(`${SOV}/catalog/${encodeURIComponent(slug)}`, { signal })),
    enabled: slug !== '',
  })

export const useSettings = (enabled = true) =>
  useQuery({ queryKey: keys.settings, queryFn: async ({ signal }) => shapeSettings(await api(`${SOV}/settings`, { signal })), enabled })

export const useTopology = (enabled = true) =>
  useQuery({ queryKey: keys.topology, queryFn: async ({ signal }) => shapeTopology(await api(`${SOV}/topology`, { signal })), enabled })

export const useClusterStatus = (enabled = true, live = false) =>
  useQuery({
    queryKey: keys.cluster,
    queryFn: async ({ signal }) => shapeClusterStatus(await api('/api/v1/cluster/status', { signal })),
    enabled,
    refetchInterval: live ? 3000 : false,
  })

export const useTokens = (enabled = true) =>
  useQuery({ queryKey: keys.tokens, queryFn: async ({ signal }) => shapeTokens(await api('/api/v1/cluster/tokens', { signal })), enabled })

export const useAudit = (after: number, limit: number, enabled = true) =>
  useQuery({
    queryKey: keys.audit(after, limit),
    queryFn: async ({ signal }) => shapeAudit(await api(`${SOV}/audit?after=${after}&limit=${limit}`, { signal })),
    enabled,
  })
