import type { z } from 'zod'
import type { api, ApiMethod, ApiResult, ProjectEvent } from '../../src-shared/contract.ts'
import type { ProjectConnections } from './project-connections.ts'

/** One connection of a host (a WebSocket, a window's web contents) that events can be pushed to. */
export interface EventSink {
  send(event: ProjectEvent): void
}

export interface ApiContext {
  transport: 'ipc' | 'web'
  /** The project the host was started with, if any; the renderer opens it first. */
  project: string | null
  /** Jobs of one project that may run at once through this host (default: ACTIVEEM_MAX_JOBS, else 8). */
  maxJobs?: number
  /**
   * The host's project connections, held for its life. Without them (tests, one-off callers) `dispatch`
   * opens the project for the one request and closes it after.
   */
  projects?: ProjectConnections
  /** The connection the request came on, where the host can push events (absent: it cannot subscribe). */
  client?: EventSink
}

/** What a handler gets: the context, always with connections (the host's or the request's own). */
export type HandlerContext = ApiContext & { projects: ProjectConnections }

export type Handlers = {
  [M in ApiMethod]: (
    params: z.output<(typeof api)[M]['params']>,
    ctx: HandlerContext,
  ) => Promise<ApiResult<M>>
}
