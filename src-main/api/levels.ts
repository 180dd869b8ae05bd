import { projectLevels } from '../engine/pyramid/index.ts'
import { findMultiscale } from '../engine/volume/index.ts'
import type { Handlers } from './types.ts'

/** The multiscale levels of a volume about to be imported, and of every volume of a project. */
export const levelHandlers: Pick<Handlers, 'volume.multiscale' | 'project.levels'> = {
  'volume.multiscale': async ({ spec }) => findMultiscale(spec),
  'project.levels': async ({ dir }, ctx) => ctx.projects.use(dir, (project) => projectLevels(project)),
}
