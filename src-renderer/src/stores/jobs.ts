import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { JobDetail, JobKind } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { messageOf } from '../lib/errors.ts'
import { latestOnly } from '../lib/latest.ts'

/** How the window shows a job: its recorded state, except a 'running' one whose process is gone. */
export type JobShownState = JobDetail['state'] | 'interrupted'

export function shownState(job: JobDetail): JobShownState {
  return (job.state === 'running' || job.state === 'queued') && !job.alive ? 'interrupted' : job.state
}

/** Polling interval of jobs.list while the Jobs screen is shown. */
export const POLL_MS = 1000

/**
 * The project's jobs as the Jobs screen shows them, refreshed every second while it is on screen
 * (and the page is visible), and the calls that start and cancel them.
 */
export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<JobDetail[]>([])
  const dir = ref<string | null>(null)
  const error = ref<string | null>(null)
  /** When the list last arrived (ms since the epoch), for "updated 3 s ago" when polling stalls. */
  const updatedAt = ref<number | null>(null)
  let timer: ReturnType<typeof setInterval> | null = null
  /**
   * Only the latest jobs.list reply is shown: a poll answered after a later refresh (the one after a
   * start or cancel, or the first of another project) would show the list from before it.
   */
  const lists = latestOnly()
  /** A poll is unanswered: the timer sends no other until it is, so a slow host is not flooded. */
  let polling = false

  /** Live jobs first (newest first), then the rest, most recently changed first. */
  const sorted = computed(() => {
    const live = jobs.value.filter((j) => j.alive).sort((a, b) => b.id - a.id)
    const rest = jobs.value
      .filter((j) => !j.alive)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id - a.id)
    return [...live, ...rest]
  })
  const liveCount = computed(() => jobs.value.filter((j) => j.alive).length)

  /** Reads the list now; a reply to an earlier request that comes after this one's is dropped. */
  async function refresh(): Promise<void> {
    const wanted = dir.value
    if (!wanted) return
    const isLatest = lists.next()
    try {
      const result = await useTransport().call('jobs.list', { dir: wanted })
      if (!isLatest()) return
      jobs.value = result
      updatedAt.value = Date.now()
      error.value = null
    } catch (e) {
      if (isLatest()) error.value = `cannot list the jobs: ${messageOf(e)}`
    }
  }

  async function poll(): Promise<void> {
    if (polling) return
    polling = true
    try {
      await refresh()
    } finally {
      polling = false
    }
  }

  function onVisibility(): void {
    if (document.hidden) pause()
    else resume()
  }

  function pause(): void {
    if (timer !== null) clearInterval(timer)
    timer = null
  }

  function resume(): void {
    if (timer !== null || !dir.value) return
    void refresh()
    timer = setInterval(() => void poll(), POLL_MS)
  }

  /** Polls the project's jobs until `stop`; a hidden page (minimised, other browser tab) polls nothing. */
  function watch(projectDir: string): void {
    if (dir.value !== projectDir) {
      // Whatever is still unanswered is the other project's list.
      lists.next()
      jobs.value = []
      updatedAt.value = null
    }
    dir.value = projectDir
    pause()
    document.addEventListener('visibilitychange', onVisibility)
    if (!document.hidden) resume()
  }

  function stop(): void {
    pause()
    document.removeEventListener('visibilitychange', onVisibility)
  }

  /** Starts `activeem <kind> ...args` for the project; the reply is the process id, or the refusal. */
  async function start(kind: JobKind, args: string[]): Promise<{ pid: number }> {
    if (!dir.value) throw new Error('no project is open')
    const result = await useTransport().call('job.start', { dir: dir.value, kind, args })
    await refresh()
    return result
  }

  async function cancel(id: number): Promise<{ cancelled: boolean; message: string }> {
    if (!dir.value) throw new Error('no project is open')
    const result = await useTransport().call('job.cancel', { dir: dir.value, id })
    await refresh()
    return result
  }

  /** Launches a stopped job again with its options; it goes on from where it stopped. */
  async function resumeJob(id: number): Promise<void> {
    if (!dir.value) throw new Error('no project is open')
    await useTransport().call('job.resume', { dir: dir.value, id })
    await refresh()
  }

  return { jobs, dir, error, updatedAt, sorted, liveCount, refresh, watch, stop, start, cancel, resumeJob }
})
