import { recordModel, type ModelRecord } from '../model/index.ts'
import type { Project } from '../store/index.ts'
import type { FinetuneResult } from './finetune.ts'
import type { FinetunePlan } from './plan.ts'

/** The verdicts a version learnt from, as its model.json and the models table keep them. */
export function labelsNote(plan: FinetunePlan): Record<string, unknown> {
  const ids = (v: string): number[] =>
    [...plan.judged.verdicts]
      .filter(([, x]) => x === v)
      .map(([id]) => id)
      .sort((a, b) => a - b)
  return {
    set: plan.set.id,
    correct: ids('correct'),
    incorrect: ids('incorrect'),
    annotated: plan.judged.annotated,
    propagated: plan.judged.propagated,
    labelsUpTo: plan.judged.labelsUpTo,
  }
}

/**
 * A new row in the models table: the version's parent and the labels used live in its metrics, next to
 * the loss and the probability inside the judged ROIs before and after (the table has no lineage column).
 */
export function recordFinetuned(project: Project, plan: FinetunePlan, result: FinetuneResult): ModelRecord {
  return recordModel(project, plan.name, plan.parent.config, {
    parent: plan.parent.name,
    finetune: {
      labels: labelsNote(plan),
      ratio: plan.params.ratio,
      iterations: result.iterations,
      learningRate: plan.params.learningRate,
      baseVolume: result.baseVolume,
    },
    finalLoss: result.finalLoss,
    roiProbability: { before: result.before, after: result.after },
  })
}
