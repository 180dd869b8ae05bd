import type { z } from 'zod'
import type { api, ApiMethod, ApiResult } from '../../src-shared/contract.ts'

export interface ApiContext {
  transport: 'ipc' | 'web'
  /** The project the host was started with, if any; the renderer opens it first. */
  project: string | null
  /** Jobs of one project that may run at once through this host (default: ACTIVEEM_MAX_JOBS, else 8). */
  maxJobs?: number
}

export type Handlers = {
  [M in ApiMethod]: (params: z.output<(typeof api)[M]['params']>, ctx: ApiContext) => Promise<ApiResult<M>>
}
