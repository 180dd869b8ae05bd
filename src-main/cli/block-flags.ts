import { parseBlockPart, type BlockPart } from '../engine/block-jobs/index.ts'
import { InputError } from '../engine/errors.ts'

/** `--block i/n` or `--merge` (options(['block', ...], ['merge'])), for the commands that run as blocks. */
export type BlockMode = { kind: 'whole' } | { kind: 'block'; part: BlockPart } | { kind: 'merge' }

export function blockMode(command: string, values: { block?: string; merge?: boolean }): BlockMode {
  if (values.block !== undefined && values.merge)
    throw new InputError(
      `${command}: --block and --merge: give one of them (run the blocks, then one --merge)`,
    )
  if (values.block !== undefined) return { kind: 'block', part: parseBlockPart('--block', values.block) }
  return values.merge ? { kind: 'merge' } : { kind: 'whole' }
}
