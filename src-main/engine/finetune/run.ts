import type { StageOptions } from '../stage-options.ts'
import { join } from 'node:path'
import { Job, runJob } from '../jobs/index.ts'
import { currentMasks } from '../labels/index.ts'
import type { ModelRecord } from '../model/index.ts'
import type { Project } from '../store/index.ts'
import { finetuneModel, type FinetuneResult } from './finetune.ts'
import type { FinetunePlan, FinetuneRequest } from './plan.ts'
import { labelsNote, recordFinetuned } from './record.ts'

export interface FinetuneRun {
  record: ModelRecord
  result: FinetuneResult
  job: Job
}

/**
 * A planned fine-tuning as a job of the project (resumed when an unfinished one has the same plan),
 * recorded as the new model version when it finishes. `activeem finetune` and the rounds both run it.
 */
export async function runFinetune(
  project: Project,
  plan: FinetunePlan,
  request: FinetuneRequest,
  hooks: StageOptions & {
    onLog?: (line: string) => void
    /** Called with the job before the work starts (a place to log the backend). */
    onJob?: (job: Job) => void
  } = {},
): Promise<FinetuneRun> {
  const job = Job.startOrResume(project, 'finetune', plan.key, plan.params)
  hooks.onJob?.(job)
  const result = await runJob(
    job,
    () =>
      finetuneModel({
        parentDir: join(project.dir, plan.parent.path),
        parentName: plan.parent.name,
        modelDir: plan.dir,
        raw: plan.set.raw!,
        instances: `${join(project.dir, plan.set.dir, 'labels.zarr')}#labels`,
        // The newest version of each mask an annotator corrected in the viewer.
        masks: currentMasks(project, plan.set.id),
        setId: plan.set.id,
        rois: plan.rois,
        verdicts: plan.judged.verdicts,
        labelsNote: labelsNote(plan),
        ratio: request.ratio,
        iterations: request.iterations,
        batchSize: request.batchSize,
        learningRate: request.learningRate,
        seed: request.seed,
        signal: hooks.signal,
        onProgress: (e) => {
          job.report(e)
          hooks.onProgress?.(e)
        },
        onLog: (line) => {
          job.event(line)
          hooks.onLog?.(line)
        },
      }),
    (r) => `${plan.name}: ${r.iterations} iterations, loss ${r.finalLoss.toFixed(4)}`,
  )
  return { record: recordFinetuned(project, plan, result), result, job }
}
