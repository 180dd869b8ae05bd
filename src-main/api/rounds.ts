import { roundsProgress } from '../engine/labels/index.ts'
import { proposalSet } from '../engine/proposals/index.ts'
import { latestRound } from '../engine/suggest/index.ts'
import type { Handlers } from './types.ts'

/** Every round with its progress: the grid's round picker, and the question Suggest asks first. */
export const roundHandlers: Pick<Handlers, 'rounds.list'> = {
  'rounds.list': async ({ dir }, ctx) =>
    ctx.projects.use(dir, (project) => {
      const set = proposalSet(project)
      return {
        rounds: roundsProgress(project),
        current: latestRound(project)?.id ?? null,
        next: set ? { setId: set.id, number: (latestRound(project, set.id)?.number ?? 0) + 1 } : null,
      }
    }),
}
