import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { RouterProvider } from '@tanstack/react-router'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { ApiError, setUnauthorizedHandler } from './api/client'
import { router } from './router'
import { hadSession, markSignedOut } from './session'
import './styles.css'

const noRetry = new Set([400, 401, 403, 404, 409])

const queryClient = new QueryClient({
  queryCache: new QueryCache(),
  mutationCache: new MutationCache(),
  defaultOptions: {
    queries: {
      retry: (count, err) => !(err instanceof ApiError && noRetry.has(err.status)) && count < 1,
      retryDelay: 600,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
})

// A 401 from any call means the session is over: back to the sign-in
// page, saying so when this tab had one.
setUnauthorizedHandler(() => {
  const expired = hadSession()
  markSignedOut()
  queryClient.clear()
  const here = router.state.location.pathname
  if (here === '/login') return
  router.navigate({ to: '/login', search: { reason: expired ? 'expired' : undefined, next: here }, replace: true })
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
)
