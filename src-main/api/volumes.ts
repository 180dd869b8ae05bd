import { volumeDependents } from '../engine/housekeeping/index.ts'
import type { Handlers } from './types.ts'

/** Renaming and removing a project's volumes, and what was made from them (asked before either). */
export const volumeHandlers: Pick<
  Handlers,
  'project.volumeDependents' | 'project.renameVolume' | 'project.removeVolume'
> = {
  'project.volumeDependents': async ({ dir, id }, ctx) =>
    ctx.projects.use(dir, (project) => {
      project.volume(id)
      return volumeDependents(project, id)
    }),
  'project.renameVolume': async ({ dir, id, name }, ctx) =>
    ctx.projects.use(dir, (project) => project.renameVolume(id, name)),
  'project.removeVolume': async ({ dir, id }, ctx) =>
    ctx.projects.use(dir, (project) => {
      const dependents = volumeDependents(project, id)
      return { removed: project.removeVolume(id), dependents }
    }),
}
