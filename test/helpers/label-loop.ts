/**
 * Child process of the crash-safety test: labels ROIs as fast as it can (with an undo now and then)
 * and prints one acknowledgement line per label AFTER setLabel/undoLabel returned, i.e. after the
 * commit: `<row id> <roi> <value|none>`. The parent kills it with SIGKILL at a random moment.
 * Usage: node --import tsx test/helpers/label-loop.ts PROJECT_DIR SET ROIS ANNOTATOR
 */
import { writeSync } from 'node:fs'
import { setLabel, undoLabel, type LabelValue } from '../../src-main/engine/labels/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'

const [dir, setText, roisText, annotator] = process.argv.slice(2)
const project = Project.open(dir!)
const set = Number(setText)
const rois = Number(roisText)
const values: LabelValue[] = ['correct', 'incorrect', 'unsure']

for (let i = 0; ; i++) {
  const row =
    i % 7 === 6
      ? undoLabel(project, set, annotator!)
      : setLabel(project, set, 1 + (i % rois), values[i % 3]!, annotator!)
  // Synchronous write: the line is in the pipe before the next label starts.
  if (row) writeSync(1, `${row.id} ${row.roi} ${row.value ?? 'none'}\n`)
}
