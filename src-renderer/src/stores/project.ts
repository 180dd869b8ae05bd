import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ApiResult, ProjectSummary } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'

export type AppInfo = ApiResult<'app.info'>

export type Screen = 'project' | 'viewer' | 'queries' | 'jobs'

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** The open project, the host's info, and the errors the page shows in its banner. */
export const useProjectStore = defineStore('project', () => {
  const info = ref<AppInfo | null>(null)
  const summary = ref<ProjectSummary | null>(null)
  const loading = ref(false)
  const screen = ref<Screen>('project')
  const helpShown = ref(false)
  const errors = ref<string[]>([])
  /** The folder last asked for, opened or not (the page keeps it in the folder field to fix). */
  const requested = ref('')
  /** Bumped by every open(): a slow earlier reply never overwrites a later one. */
  let generation = 0

  const error = computed(() => errors.value[0] ?? null)

  function reportError(message: string): void {
    if (!errors.value.includes(message)) errors.value.push(message)
  }

  function dismissError(index: number): void {
    errors.value.splice(index, 1)
  }

  function show(next: Screen): void {
    screen.value = next
  }

  function toggleHelp(shown = !helpShown.value): void {
    helpShown.value = shown
  }

  async function open(dir: string): Promise<void> {
    const wanted = dir.trim()
    if (!wanted) {
      reportError('enter a project folder to open')
      return
    }
    const mine = ++generation
    requested.value = wanted
    loading.value = true
    try {
      const result = await useTransport().call('project.show', { dir: wanted })
      if (mine !== generation) return
      summary.value = result
      errors.value = []
      creatable.value = false
    } catch (e) {
      if (mine === generation) {
        const message = messageOf(e)
        creatable.value = /no such project folder|not an ActiveEM project/.test(message)
        reportError(`cannot open project: ${message}`)
      }
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  /** The folder last asked for could not be opened because it holds no project: it may be made one. */
  const creatable = ref(false)

  async function create(dir: string): Promise<void> {
    const wanted = dir.trim()
    const mine = ++generation
    loading.value = true
    try {
      const result = await useTransport().call('project.create', { dir: wanted })
      if (mine !== generation) return
      summary.value = result
      errors.value = []
      creatable.value = false
    } catch (e) {
      if (mine === generation) reportError(`cannot create a project in ${wanted}: ${messageOf(e)}`)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  /** Reads the open project again (after a volume was added, a job finished). */
  async function refresh(): Promise<void> {
    const dir = summary.value?.dir
    if (!dir) return
    try {
      summary.value = await useTransport().call('project.show', { dir })
    } catch (e) {
      reportError(`cannot read project ${dir}: ${messageOf(e)}`)
    }
  }

  /** At start: the host's info, then the project it was started with, else the `?project=` of the page URL. */
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
