import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { QueryItem, RoundInfo } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { latestOnly } from '../lib/latest.ts'

export type Task = 'synapse' | 'mito'

/** The round of queries the grid shows: its project, its queries and its proposal set's task. */
export const useRoundStore = defineStore('round', () => {
  const dir = ref<string | null>(null)
  const round = shallowRef<RoundInfo | null>(null)
  const task = ref<Task | null>(null)
  const loading = ref(false)
  /**
   * One ticket per load of the grid: a reply (round, labels, thumbnails) that belongs to an earlier
   * round or project is dropped.
   */
  const loads = latestOnly()

  const queries = computed<QueryItem[]>(() => round.value?.queries ?? [])
  const clusters = computed(() => [...new Set(queries.value.map((q) => q.cluster))])

  /** The latest round of the project at `target` (null: none yet) and its proposal set's task. */
  async function fetchLatest(target: string): Promise<{ round: RoundInfo | null; task: Task | null }> {
    const latest = await useTransport().call('round.get', { dir: target })
    const set = latest ? await useTransport().call('rois.list', { dir: target, set: latest.setId }) : null
    return { round: latest, task: set?.task ?? null }
  }

  /** Whether `next` of the project at `target` is the round shown now (its thumbnails still hold). */
  function isShown(target: string, next: RoundInfo | null): boolean {
    return dir.value === target && round.value?.id === next?.id && round.value?.setId === next?.setId
  }

  function show(target: string, next: RoundInfo | null, nextTask: Task | null): void {
    dir.value = target
    round.value = next
    task.value = nextTask
  }

  return { dir, round, task, loading, loads, queries, clusters, fetchLatest, isShown, show }
})
