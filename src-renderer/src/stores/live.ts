import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ProjectEvent, ProjectTopic } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { coalesced } from '../lib/coalesce.ts'
import { messageOf } from '../lib/errors.ts'

/** After the event stream dropped, the first try to reconnect and resubscribe... */
export const RECONNECT_FIRST_MS = 1000
/** ...and the next ones, each of which also reads every screen again once it is back. */
export const RECONNECT_MS = 15_000

interface Listener {
  /** null: every topic. */
  topics: ReadonlySet<ProjectTopic> | null
  run: () => void
}

/**
 * The open project's changes as the host pushes them (events.subscribe): the stores that show a part of
 * the project `listen` to its topics and read it again when it changed, whoever changed it (this page,
 * a job, `activeem` in a terminal, another window), instead of polling. A hidden page (minimised, another
 * browser tab) runs nothing: a listener that was due runs once when the page shows again. When the web
 * socket drops, the host forgets the subscription: it is made again on reconnection, and every listener
 * runs, since changes may have been missed meanwhile.
 */
export const useLiveStore = defineStore('live', () => {
  /** The project followed. */
  const dir = ref<string | null>(null)
  /** The host has this page's subscription and the connection is up. */
  const connected = ref(false)
  /** The subscription was had and lost (the connection dropped, or subscribing again failed): reconnecting. */
  const lost = ref(false)
  /** Why the last subscription failed, if it did. */
  const error = ref<string | null>(null)
  const listeners = new Set<Listener>()
  /** What came due while the page was hidden: run once when it shows again. */
  const due = new Set<() => void>()
  let visibilityHooked = false
  let installed = false
  let subscribed = false
  let everyTopicAfter = false
  let retry: ReturnType<typeof setTimeout> | null = null

  /**
   * Calls `run` when a change of one of `topics` (null: any) comes for the followed project, and
   * `first` (the first read of what the store shows) at once. Returns the function that stops both.
   */
  function listen(topics: readonly ProjectTopic[] | null, run: () => void, first?: () => void): () => void {
    const listener: Listener = { topics: topics ? new Set(topics) : null, run }
    listeners.add(listener)
    if (first) whenShown(first)
    return () => {
      listeners.delete(listener)
      due.delete(run)
      if (first) due.delete(first)
    }
  }

  /** Runs `work` now, or once when the page shows again if it is hidden. */
  function whenShown(work: () => void): void {
    if (typeof document !== 'undefined' && document.hidden) {
      due.add(work)
      if (!visibilityHooked) {
        visibilityHooked = true
        document.addEventListener('visibilitychange', onVisibility)
      }
      return
    }
    work()
  }

  function onVisibility(): void {
    if (document.hidden) return
    const waiting = [...due]
    due.clear()
    for (const work of waiting) work()
  }

  function notify(topics: readonly ProjectTopic[] | null): void {
    for (const listener of [...listeners]) {
      if (topics === null || listener.topics === null || topics.some((t) => listener.topics!.has(t)))
        whenShown(listener.run)
    }
  }

  function receive(event: ProjectEvent): void {
    if (event.dir === dir.value) notify(event.topics)
  }

  function install(): void {
    if (installed) return
    installed = true
    const transport = useTransport()
    transport.onEvent(receive)
    transport.onConnection((open) => {
      if (!open) {
        lost.value = connected.value
        connected.value = false
        subscribed = false
        if (dir.value) schedule(RECONNECT_FIRST_MS)
      } else if (lost.value && dir.value) {
        // Another call reconnected before the retry: subscribe again, and read what may have been missed.
        everyTopicAfter = true
        void sync()
      }
    })
  }

  function schedule(ms: number): void {
    if (retry !== null) clearTimeout(retry)
    retry = setTimeout(() => {
      retry = null
      everyTopicAfter = true
      void sync()
    }, ms)
  }

  /** Brings the host's subscription in line with `dir`; asks made while one is in flight run once after it. */
  const sync = coalesced(async () => {
    if (retry !== null) clearTimeout(retry)
    retry = null
    const wanted = dir.value
    try {
      if (wanted) await useTransport().call('events.subscribe', { dir: wanted })
      else if (subscribed) await useTransport().call('events.unsubscribe', {})
    } catch (e) {
      if (dir.value !== wanted) return // a newer follow() asked for another run
      subscribed = false
      lost.value = lost.value || connected.value
      connected.value = false
      error.value = messageOf(e)
      if (wanted) schedule(RECONNECT_MS)
      return
    }
    if (dir.value !== wanted) return
    subscribed = wanted !== null
    connected.value = subscribed
    lost.value = false
    error.value = null
    if (everyTopicAfter) {
      everyTopicAfter = false
      notify(null)
    }
  })

  /** Follows the changes of the project at `projectDir` (null: none) from now on. */
  async function follow(projectDir: string | null): Promise<void> {
    install()
    if (projectDir === dir.value && (subscribed || projectDir === null)) return
    dir.value = projectDir
    connected.value = false
    lost.value = false
    await sync()
  }

  return { dir, connected, lost, error, follow, listen }
})
