import { InputError } from '../engine/errors.ts'
import { listJobs } from '../engine/jobs/index.ts'
import { proposalSet } from '../engine/proposals/index.ts'
import { launchJob } from './job-launcher.ts'
import { defaultMaxJobs } from './jobs.ts'
import { exportHandlers } from './export.ts'
import { pipelineArgs } from './pipeline-args.ts'
import { EXPORT_RECORD_KEY, pipelineCards, type ExportRecord } from './pipeline-state.ts'
import type { Handlers } from './types.ts'
import { readUiState, writeUiState } from './ui-state.ts'

function exportRecord(value: unknown): ExportRecord | null {
  const r = value as Partial<ExportRecord> | null
  return r && typeof r.out === 'string' && typeof r.at === 'string' && typeof r.set === 'number'
    ? (r as ExportRecord)
    : null
}

/**
 * The guided pipeline of the Project screen: its cards computed from the project, and each card's Run,
 * which starts the step's command as a job with flags built from the card's typed fields.
 */
export const pipelineHandlers: Pick<Handlers, 'pipeline.get' | 'pipeline.run'> = {
  'pipeline.get': async ({ dir }, ctx) => {
    const last = exportRecord(readUiState(dir, ctx)[EXPORT_RECORD_KEY])
    return ctx.projects.use(dir, (project) => pipelineCards(project, last))
  },

  'pipeline.run': async ({ dir, step, fields, advanced }, ctx) => {
    const extra = advanced ?? []
    if (step === 'export') {
      if (extra.length > 0)
        throw new InputError('pipeline.run export: the export takes no advanced flags; set its fields')
      if (!fields.out) throw new InputError("pipeline.run export: the field 'out' is required")
      const result = await exportHandlers['export.run'](
        { dir, out: fields.out, format: fields.format ?? 'hdf5', force: fields.force ?? false },
        ctx,
      )
      // The export writes the newest set; the record says which, so a newer set makes the card stale.
      const set = ctx.projects.use(dir, (project) => proposalSet(project)?.id ?? 0)
      writeUiState(dir, ctx, EXPORT_RECORD_KEY, {
        out: result.out,
        format: fields.format ?? 'hdf5',
        set,
        at: new Date().toISOString(),
      } satisfies ExportRecord)
      return { pid: null, args: ['--out', result.out, '--format', fields.format ?? 'hdf5'], out: result.out }
    }
    const args = [...pipelineArgs(step, fields), ...extra]
    const max = ctx.maxJobs ?? defaultMaxJobs()
    const running = ctx.projects.use(dir, (project) => listJobs(project).filter((j) => j.alive).length)
    if (running >= max)
      throw new InputError(`${running} jobs are already running in this project (at most ${max} at once)`)
    const { pid } = await launchJob(dir, step, args)
    return { pid, args, out: null }
  },
}
