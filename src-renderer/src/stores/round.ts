import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { QueryItem, RoundInfo, RoundProgress, RoundsOverview } from '../../../src-shared/contract.ts'
import { loadUiState, saveUiState } from '../api/ui-state.ts'
import { useTransport } from '../api/transport.ts'
import { latestOnly } from '../lib/latest.ts'
import { useLiveStore } from './live.ts'
import { useProjectStore } from './project.ts'

export type Task = 'synapse' | 'mito'

/**
 * The round the user picked, and which round was current then: once a newer round is made, the grid
 * opens on that one again (the choice was about the rounds there were).
 */
export interface RoundChoice {
  round: number
  current: number | null
}

/** The round of queries the grid shows: its project, its queries and its proposal set's task; every round's progress. */
export const useRoundStore = defineStore('round', () => {
  const dir = ref<string | null>(null)
  const round = shallowRef<RoundInfo | null>(null)
  const task = ref<Task | null>(null)
  const loading = ref(false)
  /** Every round of the project with how many of its queries are answered, the current one's id. */
  const overview = shallowRef<RoundsOverview | null>(null)
  /** The user's pick per project, kept here as well as in ui-state (whose save waits for the view to settle). */
  const choices = new Map<string, RoundChoice>()
  /**
   * One ticket per load of the grid: a reply (round, labels, thumbnails) that belongs to an earlier
   * round or project is dropped.
   */
  const loads = latestOnly()
  const refreshes = latestOnly()

  const queries = computed<QueryItem[]>(() => round.value?.queries ?? [])
  const clusters = computed(() => [...new Set(queries.value.map((q) => q.cluster))])
  const isCurrent = computed(() => round.value !== null && round.value.id === overview.value?.current)

  /** Every round of the project at `target` with its progress (also what Suggest asks about first). */
  async function fetchOverview(target: string): Promise<RoundsOverview> {
    return useTransport().call('rounds.list', { dir: target })
  }

  /**
   * The current round of the project at `target` when some of its queries are unanswered (what Suggest
   * asks about before it starts a new round), with the round a plain suggest would make; else null.
   */
  async function unfinished(
    target: string,
  ): Promise<{ round: RoundProgress; next: RoundsOverview['next'] } | null> {
    const all = await fetchOverview(target)
    const current = all.rounds.find((r) => r.id === all.current)
    return current && current.labelled < current.queries ? { round: current, next: all.next } : null
  }

  /** The round to show at `target`: the pick, unless a newer round was made since; else the current one. */
  async function pick(target: string, all: RoundsOverview): Promise<number | null> {
    const chosen = choices.get(target) ?? (await loadUiState<RoundChoice>(target, 'round'))
    const exists = (id: unknown): boolean => all.rounds.some((r) => r.id === id)
    if (chosen && chosen.current === all.current && exists(chosen.round)) return chosen.round
    return all.current
  }

  /** The round `wanted` (else the one to show) of the project at `target`, its set's task and every round's progress. */
  async function fetchShown(
    target: string,
    wanted?: number,
  ): Promise<{ round: RoundInfo | null; task: Task | null; overview: RoundsOverview }> {
    const all = await fetchOverview(target)
    const id = wanted ?? (await pick(target, all))
    const shown = id === null ? null : await useTransport().call('round.get', { dir: target, round: id })
    const set = shown ? await useTransport().call('rois.list', { dir: target, set: shown.setId }) : null
    return { round: shown, task: set?.task ?? null, overview: all }
  }

  /** Remembers `id` as the round to show at `target` (per project, in ui-state) while `current` is the current round. */
  function choose(target: string, id: number, current: number | null): void {
    const choice: RoundChoice = { round: id, current }
    choices.set(target, choice)
    saveUiState(target, 'round', choice, 0)
  }

  /** "Finish it first": the unfinished current round `r` opens on the Queries screen. */
  function finish(target: string, r: RoundProgress): void {
    choose(target, r.id, r.id)
    useProjectStore().show('queries')
  }

  /** Whether `next` of the project at `target` is the round shown now (its thumbnails still hold). */
  function isShown(target: string, next: RoundInfo | null): boolean {
    return dir.value === target && round.value?.id === next?.id && round.value?.setId === next?.setId
  }

  function show(target: string, next: RoundInfo | null, nextTask: Task | null, all: RoundsOverview): void {
    dir.value = target
    round.value = next
    task.value = nextTask
    overview.value = all
  }

  let refreshTimer: ReturnType<typeof setTimeout> | undefined
  /** Reads every round's progress again soon (after labels): labels that arrive together ask once. */
  function refreshProgress(delayMs = 250): void {
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(() => {
      const target = dir.value
      if (!target) return
      const isLatest = refreshes.next()
      fetchOverview(target)
        .then((all) => {
          if (isLatest() && dir.value === target) overview.value = all
        })
        .catch(() => {}) // the progress shown stays as it was; the next label asks again
    }, delayMs)
  }

  // A round made, or labels written, by anyone (a terminal, another window): every round's progress.
  useLiveStore().listen(['rounds', 'labels'], () => refreshProgress())

  return {
    dir,
    round,
    task,
    loading,
    overview,
    loads,
    queries,
    clusters,
    isCurrent,
    fetchOverview,
    unfinished,
    fetchShown,
    choose,
    finish,
    isShown,
    show,
    refreshProgress,
  }
})
