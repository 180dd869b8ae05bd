import { InputError } from '../engine/errors.ts'
import type { Handlers } from './types.ts'

/**
 * A connection's subscription to its project's changes: the host pushes a ProjectEvent to it when the
 * project's database changes, whoever wrote it, so a page reads again only then instead of polling.
 */
export const eventHandlers: Pick<Handlers, 'events.subscribe' | 'events.unsubscribe'> = {
  'events.subscribe': async ({ dir }, ctx) => {
    if (!ctx.client)
      throw new InputError('events.subscribe: this connection cannot be sent events (no host holds it)')
    return { dir: ctx.projects.changes.subscribe(ctx.client, dir) }
  },
  'events.unsubscribe': async (_params, ctx) => {
    if (ctx.client) ctx.projects.changes.unsubscribe(ctx.client)
    return { subscribed: false as const }
  },
}
