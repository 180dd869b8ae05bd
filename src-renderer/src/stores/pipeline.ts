import { defineStore } from 'pinia'
import { ref } from 'vue'
import type {
  ApiResult,
  PipelineCard,
  PipelineFields,
  PipelineRunStep,
} from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { messageOf } from '../lib/errors.ts'
import { coalesced } from '../lib/coalesce.ts'
import { latestOnly } from '../lib/latest.ts'
import { useLiveStore } from './live.ts'

/**
 * The guided pipeline of the Project screen: every card's state from the host, read again whenever the
 * project changes (a card depends on every part of it: volumes, jobs, models, sets, rounds, labels),
 * and each card's Run.
 */
export const usePipelineStore = defineStore('pipeline', () => {
  const cards = ref<PipelineCard[]>([])
  const dir = ref<string | null>(null)
  const error = ref<string | null>(null)
  /** Per step: what its last Run answered (the command line, or the refusal). */
  const results = ref<Partial<Record<PipelineRunStep, { ok: boolean; text: string }>>>({})
  const starting = ref<PipelineRunStep | null>(null)
  const reads = latestOnly()
  /** Changes that come while a read is unanswered make one more read after it, not one each. */
  const refreshSoon = coalesced(refresh)
  let unlisten: (() => void) | null = null

  async function refresh(): Promise<void> {
    const wanted = dir.value
    if (!wanted) return
    const isLatest = reads.next()
    try {
      const result = await useTransport().call('pipeline.get', { dir: wanted })
      if (!isLatest()) return
      cards.value = result
      error.value = null
    } catch (e) {
      if (isLatest()) error.value = `cannot read the pipeline: ${messageOf(e)}`
    }
  }

  /** Reads the project's cards now and after every change of the project until `stop`. */
  function watch(projectDir: string): void {
    if (dir.value !== projectDir) {
      reads.next()
      cards.value = []
      results.value = {}
    }
    dir.value = projectDir
    stop()
    unlisten = useLiveStore().listen(
      null,
      () => void refreshSoon(),
      () => void refresh(),
    )
  }

  function stop(): void {
    unlisten?.()
    unlisten = null
  }

  /** Runs a card with its typed fields and the advanced flags; the card shows the answer. */
  async function run(
    step: PipelineRunStep,
    fields: PipelineFields,
    advanced: string[],
  ): Promise<ApiResult<'pipeline.run'> | null> {
    if (!dir.value) return null
    starting.value = step
    try {
      const result = await useTransport().call('pipeline.run', { dir: dir.value, step, fields, advanced })
      results.value[step] = {
        ok: true,
        text:
          result.pid === null
            ? `written to ${result.out ?? ''}`
            : `started activeem ${step} ${result.args.join(' ')} (process ${result.pid})`,
      }
      await refresh()
      return result
    } catch (e) {
      results.value[step] = { ok: false, text: messageOf(e) }
      return null
    } finally {
      starting.value = null
    }
  }

  return { cards, dir, error, results, starting, refresh, watch, stop, run }
})
