import { exportProject } from '../engine/export/index.ts'
import { Project } from '../engine/store/index.ts'
import type { Handlers } from './types.ts'

export const exportHandlers: Pick<Handlers, 'export.run'> = {
  'export.run': async ({ dir, out, format, set, force }) => {
    // A connection of its own, not the host's held one: the export reads the project across many awaits,
    // and the held one may be closed between two requests (see ProjectConnections.use).
    const project = Project.open(dir)
    try {
      const r = await exportProject({ project, out, format, set, force })
      const s = r.manifest.summary
      return {
        out: r.out,
        bytes: r.bytes,
        seconds: r.seconds,
        rois: s.rois,
        labelled: s.labelled,
        annotators: s.annotators,
        final: s.final,
      }
    } finally {
      project.close()
    }
  },
}
