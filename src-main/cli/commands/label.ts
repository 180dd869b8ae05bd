import { InputError } from '../../engine/errors.ts'
import {
  checkAnnotator,
  defaultAnnotator,
  LABEL_VALUES,
  labelHistory,
  labelSummary,
  setLabel,
  undoLabel,
  type LabelValue,
} from '../../engine/labels/index.ts'
import { proposalSet } from '../../engine/proposals/index.ts'
import { Project } from '../../engine/store/index.ts'
import { options, parse, parseChoice, parseInteger } from '../args.ts'
import { emit } from '../output.ts'

export const labelUsage =
  'activeem label --project DIR (--roi ID --value correct|incorrect|unsure | --undo) [--annotator NAME] [--set N] [--round N] [--request-id ID] [--json]'
export const labelsUsage = 'activeem labels --project DIR [--set N] [--history] [--json]'

function setOf(project: Project, set: string | undefined): number {
  const id = set === undefined ? undefined : parseInteger('--set', set, 1, 1)
  const found = proposalSet(project, id)
  if (!found)
    throw new InputError(
      id === undefined
        ? `${project.dir}: no proposal set yet; run 'activeem proposals' first`
        : `--set ${id}: no such proposal set in ${project.dir}`,
    )
  return found.id
}

/**
 * One judgement (or the annotator's last one undone), committed before the reply is printed. A script that
 * gives each label a --request-id may run it again when it got no reply (a killed process): a label that
 * was committed is not written twice, and the reply is the first one's.
 */
export async function labelCommand(argv: string[]): Promise<void> {
  const { values } = parse(
    'label',
    argv,
    options(['project', 'roi', 'value', 'annotator', 'set', 'round', 'request-id'], ['undo']),
    { min: 0, max: 0, usage: labelUsage },
  )
  if (!values.project) throw new InputError(`label: --project is required; usage: ${labelUsage}`)
  const annotator = checkAnnotator(values.annotator ?? defaultAnnotator())
  if (values.undo && (values.roi !== undefined || values.value !== undefined))
    throw new InputError('label: --undo takes no --roi or --value (it undoes your last label)')
  if (values.undo && values['request-id'] !== undefined)
    throw new InputError('label: --request-id is for a label, not for --undo')
  if (!values.undo && (values.roi === undefined || values.value === undefined))
    throw new InputError(`label: --roi and --value are required (or --undo); usage: ${labelUsage}`)
  const project = Project.open(values.project)
  try {
    const set = setOf(project, values.set)
    if (values.undo) {
      const row = undoLabel(project, set, annotator)
      emit(values.json, { set, annotator, undone: row ? { roi: row.roi, value: row.value } : null }, () =>
        row
          ? `undone: ROI ${row.roi} is ${row.value ?? 'unlabelled'} again for ${annotator}`
          : `nothing to undo for ${annotator} in set ${set}`,
      )
      return
    }
    const roi = parseInteger('--roi', values.roi, 1, 1)
    const value = parseChoice<LabelValue>('--value', values.value, LABEL_VALUES, 'correct')
    const round = values.round === undefined ? undefined : parseInteger('--round', values.round, 1, 1)
    const row = setLabel(project, set, roi, value, annotator, round, values['request-id'])
    emit(values.json, { set, roi, value, annotator, labelId: row.id, at: row.at }, () => {
      return `ROI ${roi} of set ${set}: ${value} (${annotator})`
    })
  } finally {
    project.close()
  }
}

/** Every ROI's current labels, per annotator and by majority; --history adds the full audit trail. */
export async function labelsCommand(argv: string[]): Promise<void> {
  const { values } = parse('labels', argv, options(['project', 'set'], ['history']), {
    min: 0,
    max: 0,
    usage: labelsUsage,
  })
  if (!values.project) throw new InputError(`labels: --project is required; usage: ${labelsUsage}`)
  const project = Project.open(values.project)
  try {
    const set = setOf(project, values.set)
    const { annotators, rois: rows } = labelSummary(project, set)
    const history = values.history ? labelHistory(project, set) : undefined
    emit(values.json, { set, annotators, rois: rows, ...(history ? { history } : {}) }, () =>
      [
        `set ${set}: ${rows.length} labelled ROIs, annotators ${annotators.join(', ') || 'none'}`,
        ...rows.map(
          (r) =>
            `  ROI ${r.roi}  ${r.majority}  agreement ${(r.agreement * 100).toFixed(0)}% of ${r.votes}  ${Object.entries(
              r.labels,
            )
              .map(([a, v]) => `${a}=${v}`)
              .join(' ')}`,
        ),
        ...(history ?? []).map(
          (h) =>
            `  ${h.at}  ${h.annotator}  ROI ${h.roi}  ${h.value ?? 'none'}${h.undoOf ? ` (undo of #${h.undoOf})` : ''}`,
        ),
      ].join('\n'),
    )
  } finally {
    project.close()
  }
}
