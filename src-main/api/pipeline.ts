import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { InputError } from '../engine/errors.ts'
import { listJobs } from '../engine/jobs/index.ts'
import { proposalSet } from '../engine/proposals/index.ts'
import { launchJob, repoRoot } from './job-launcher.ts'
import { defaultMaxJobs } from './jobs.ts'
import { exportHandlers } from './export.ts'
import { importArgs, pipelineArgs } from './pipeline-args.ts'
import { EXPORT_RECORD_KEY, pipelineCards, type ExportRecord } from './pipeline-state.ts'
import type { Handlers } from './types.ts'
import { readUiState, writeUiState } from './ui-state.ts'

/**
 * `activeem model import` run to its end (a few seconds: it reads and saves weights), in its own process
 * like every command the window starts; its `error:` line is the refusal.
 */
async function importModel(dir: string, args: string[]): Promise<void> {
  const cli = join(repoRoot(), 'bin', 'activeem.mjs')
  try {
    await promisify(execFile)(
      process.execPath,
      [cli, 'model', 'import', '--project', dir, ...args, '--json'],
      {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        maxBuffer: 1 << 20,
      },
    )
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '')
    const line = stderr.split('\n').findLast((l) => l.startsWith('error: '))
    throw new InputError(`model import: ${line ? line.slice('error: '.length) : (e as Error).message}`)
  }
}

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
    if (step === 'import') {
      const args = [...importArgs(fields), ...extra]
      await importModel(dir, args)
      return { pid: null, args, out: null }
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
