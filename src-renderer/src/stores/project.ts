import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ApiParams, ApiResult, ProjectSummary, ScreenId } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { messageOf } from '../lib/errors.ts'
import { coalesced } from '../lib/coalesce.ts'
import { latestOnly } from '../lib/latest.ts'
import { useLiveStore } from './live.ts'

export type AppInfo = ApiResult<'app.info'>

const LAST_PROJECT = 'activeem.lastProject'

/** The open project, the host's info, and the errors the page shows in its banner. */
export const useProjectStore = defineStore('project', () => {
  const info = ref<AppInfo | null>(null)
  const summary = ref<ProjectSummary | null>(null)
  const loading = ref(false)
  const screen = ref<ScreenId>('project')
  const helpShown = ref(false)
  const exportShown = ref(false)
  /** Each error belongs to the screen it was reported on: another screen's banner does not show it. */
  const reports = ref<Array<{ message: string; screen: ScreenId }>>([])
  const errors = computed(() => reports.value.filter((r) => r.screen === screen.value).map((r) => r.message))
  /** The folder last asked for, opened or not (the page keeps it in the folder field to fix). */
  const requested = ref('')
  /** A slow earlier open() or create() never overwrites a later one. */
  const opens = latestOnly()

  const error = computed(() => errors.value[0] ?? null)

  function reportError(message: string): void {
    if (!errors.value.includes(message)) reports.value.push({ message, screen: screen.value })
  }

  /** `index` in the shown screen's list. */
  function dismissError(index: number): void {
    const message = errors.value[index]
    reports.value = reports.value.filter((r) => !(r.message === message && r.screen === screen.value))
  }

  function show(next: ScreenId): void {
    screen.value = next
  }

  function toggleHelp(shown = !helpShown.value): void {
    helpShown.value = shown
  }

  /** The export dialog opens only over an open project. */
  function showExport(shown: boolean): void {
    exportShown.value = shown && summary.value !== null
  }

  /** The folder last asked for could not be opened because it holds no project: it may be made one. */
  const creatable = ref(false)

  /**
   * Shows the project `request` answers with, unless a later open() or create() began meanwhile;
   * `failed` reports why it was not.
   */
  async function load(
    request: () => Promise<ProjectSummary>,
    failed: (message: string) => void,
  ): Promise<void> {
    const isLatest = opens.next()
    loading.value = true
    try {
      const result = await request()
      if (!isLatest()) return
      summary.value = result
      reports.value = []
      creatable.value = false
      remember(result.dir)
    } catch (e) {
      if (isLatest()) failed(messageOf(e))
    } finally {
      if (isLatest()) loading.value = false
    }
  }

  async function open(dir: string): Promise<void> {
    const wanted = dir.trim()
    if (!wanted) {
      reportError('enter a project folder to open')
      return
    }
    requested.value = wanted
    await load(
      () => useTransport().call('project.show', { dir: wanted }),
      (message) => {
        creatable.value = /no such project folder|not an ActiveEM project/.test(message)
        reportError(`cannot open project: ${message}`)
      },
    )
  }

  /** A new project in `dir` (new or empty), named `name` or after the folder; it is opened once made. */
  async function create(dir: string, name?: string): Promise<void> {
    const wanted = dir.trim()
    if (!wanted) {
      reportError('enter a folder for the new project')
      return
    }
    requested.value = wanted
    await load(
      () => useTransport().call('project.create', { dir: wanted, ...(name ? { name } : {}) }),
      (message) => reportError(`cannot create a project in ${wanted}: ${message}`),
    )
  }

  /**
   * Reads the open project again (a volume added, renamed or removed, a job started or ended, by this
   * page or anyone else). When only its jobs changed, the summary stays the same object with the new
   * jobs in it: what watches the summary (the volumes' levels, the viewer's layers) has nothing to redo.
   */
  async function refresh(): Promise<void> {
    const dir = summary.value?.dir
    if (!dir) return
    try {
      const next = await useTransport().call('project.show', { dir })
      const shown = summary.value
      if (shown?.dir !== dir) return // another project opened meanwhile
      if (JSON.stringify({ ...shown, jobs: [] }) === JSON.stringify({ ...next, jobs: [] }))
        shown.jobs = next.jobs
      else summary.value = next
    } catch (e) {
      reportError(`cannot read project ${dir}: ${messageOf(e)}`)
    }
  }
  const refreshSoon = coalesced(refresh)
  useLiveStore().listen(['volumes', 'jobs'], () => void refreshSoon())

  /** Writes the open project's labeled dataset to `params.out`; the dialog shows the reply or the refusal. */
  async function exportDataset(
    params: Omit<ApiParams<'export.run'>, 'dir'>,
  ): Promise<ApiResult<'export.run'>> {
    const dir = summary.value?.dir
    if (!dir) throw new Error('no project is open')
    return useTransport().call('export.run', { dir, ...params })
  }

  /** The tab's last opened project, so a reload reopens it rather than the one the host started with. */
  function remember(dir: string): void {
    if (typeof sessionStorage !== 'undefined') sessionStorage.setItem(LAST_PROJECT, dir)
  }
  function remembered(): string | null {
    return typeof sessionStorage !== 'undefined' ? sessionStorage.getItem(LAST_PROJECT) : null
  }

  /**
   * At start: the host's info, then the project this tab had open before a reload, else the one the
   * host was started with, else the `?project=` of the page URL.
   */
  async function start(search: string = window.location.search): Promise<void> {
    loading.value = true
    try {
      info.value = await useTransport().call('app.info', {})
    } catch (e) {
      loading.value = false
      reportError(`cannot reach the ActiveEM engine: ${messageOf(e)}`)
      return
    }
    loading.value = false
    const last = remembered()
    if (last && last !== info.value.project) {
      await open(last)
      if (summary.value) return // else (moved, deleted) the host's own project, which clears the error
    }
    const dir = info.value.project ?? new URLSearchParams(search).get('project')
    if (dir) await open(dir)
  }

  return {
    info,
    summary,
    loading,
    screen,
    helpShown,
    toggleHelp,
    exportShown,
    showExport,
    exportDataset,
    errors,
    error,
    requested,
    reportError,
    dismissError,
    show,
    open,
    create,
    creatable,
    refresh,
    start,
  }
})
