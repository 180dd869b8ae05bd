import { resolve } from 'node:path'
import { PROJECT_TOPICS, type ProjectEvent, type ProjectTopic } from '../../src-shared/contract.ts'
import { jobsStamp } from '../engine/jobs/index.ts'
import { newestLabelRow, newestMaskRow } from '../engine/labels/index.ts'
import { listModels } from '../engine/model/index.ts'
import { proposalSets } from '../engine/proposals/index.ts'
import { registeredLevels } from '../engine/pyramid/index.ts'
import type { Project } from '../engine/store/index.ts'
import { allRounds } from '../engine/suggest/index.ts'
import type { EventSink } from './types.ts'

/**
 * How often a watched project's `PRAGMA data_version` is read. It changes when another connection (a
 * job, `activeem` in a terminal) commits, and costs a read of the WAL index header; a commit is seen
 * within this time.
 */
export const CHANGE_POLL_MS = 250

/**
 * After a request of this host took a project's connection, its own writes (which data_version does not
 * show on the connection that made them) are looked for this much later: a burst of requests is one look.
 */
export const OWN_WRITE_DELAY_MS = 100

type Stamps = Record<ProjectTopic, string>

/**
 * One short text per topic that changes when what the topic's screens show changes. All but labels and
 * masks read small tables whole; labels and masks are append-only, so their newest row id says it.
 */
function stampsOf(project: Project): { stamps: Stamps; unfinished: number } {
  const jobs = jobsStamp(project)
  const levels = [...registeredLevels(project)].sort((a, b) => a[0] - b[0])
  return {
    unfinished: jobs.unfinished,
    stamps: {
      jobs: jobs.stamp,
      volumes: JSON.stringify([project.volumes(), levels]),
      models: JSON.stringify(listModels(project).map((m) => [m.id, m.name, m.createdAt])),
      proposals: JSON.stringify(proposalSets(project).map((s) => s.id)),
      rounds: JSON.stringify(allRounds(project).map((r) => r.id)),
      labels: String(newestLabelRow(project)),
      masks: String(newestMaskRow(project)),
    },
  }
}

interface Watch {
  /** Each subscriber, with the folder as it named it (its events carry that name). */
  clients: Map<EventSink, string>
  /** The connection the last look used: a new one (the file replaced) has a data_version of its own. */
  project: Project | null
  version: number
  stamps: Stamps | null
  /** Jobs still queued or running at the last look: their processes may end without a write. */
  unfinished: number
  /** This host used the connection since the last look. */
  touched: boolean
  timer: ReturnType<typeof setInterval>
  soon: ReturnType<typeof setTimeout> | null
}

/**
 * The change watchers of one host: per project with at least one subscriber, a timer that reads
 * `PRAGMA data_version` on the host's own held connection every CHANGE_POLL_MS, and the host's own
 * requests (`touched`) as a second cue. On either cue the topics' stamps are read and compared, and the
 * subscribers are sent one ProjectEvent naming the topics that changed (none: nothing is sent). No
 * timer runs for a project nobody subscribed to.
 */
export class ProjectChanges {
  readonly #watches = new Map<string, Watch>()
  readonly #subscriptions = new Map<EventSink, string>()

  /** `peek` gives the host's held connection of a project, without counting as one of its requests. */
  constructor(private readonly peek: (dir: string) => Project) {}

  /** Projects watched now: one timer each. */
  get watching(): number {
    return this.#watches.size
  }

  /**
   * Sends `client` the changes of the project at `dir` from now on, instead of any project it followed.
   * Throws (nothing changed) when `dir` is not a project. Returns the project's folder.
   */
  subscribe(client: EventSink, dir: string): string {
    const project = this.peek(dir)
    const key = resolve(dir)
    // Subscribing again (a page resyncing) keeps the watcher: a new one's baseline would swallow a
    // change made meanwhile.
    if (this.#subscriptions.get(client) === key) {
      this.#watches.get(key)?.clients.set(client, dir)
      return project.dir
    }
    this.unsubscribe(client)
    let watch = this.#watches.get(key)
    if (!watch) {
      watch = {
        clients: new Map(),
        project: null,
        version: 0,
        stamps: null,
        unfinished: 0,
        touched: false,
        timer: setInterval(() => this.#look(key), CHANGE_POLL_MS),
        soon: null,
      }
      // A host that has nothing else to do may end: a watcher does not keep it alive.
      watch.timer.unref()
      this.#watches.set(key, watch)
      this.#baseline(watch, project)
    }
    watch.clients.set(client, dir)
    this.#subscriptions.set(client, key)
    return project.dir
  }

  /** Stops sending `client` anything (a closed connection); the last subscriber's leaving stops the timer. */
  unsubscribe(client: EventSink): void {
    const key = this.#subscriptions.get(client)
    if (key === undefined) return
    this.#subscriptions.delete(client)
    const watch = this.#watches.get(key)
    if (!watch) return
    watch.clients.delete(client)
    if (watch.clients.size === 0) this.#stop(key, watch)
  }

  /** This host took the project's connection for a request: what it wrote is looked for shortly. */
  touched(dir: string): void {
    const watch = this.#watches.get(resolve(dir))
    if (!watch) return
    watch.touched = true
    if (watch.soon !== null) return
    const key = resolve(dir)
    watch.soon = setTimeout(() => {
      watch.soon = null
      this.#look(key)
    }, OWN_WRITE_DELAY_MS)
    watch.soon.unref()
  }

  /** Stops every watcher (the host closing). */
  close(): void {
    for (const [key, watch] of this.#watches) this.#stop(key, watch)
    this.#subscriptions.clear()
  }

  #stop(key: string, watch: Watch): void {
    clearInterval(watch.timer)
    if (watch.soon !== null) clearTimeout(watch.soon)
    this.#watches.delete(key)
  }

  #baseline(watch: Watch, project: Project): void {
    const { stamps, unfinished } = stampsOf(project)
    watch.project = project
    watch.version = dataVersion(project)
    watch.stamps = stamps
    watch.unfinished = unfinished
    watch.touched = false
  }

  #look(key: string): void {
    const watch = this.#watches.get(key)
    if (!watch) return
    let project: Project
    let version: number
    try {
      project = this.peek(key)
      version = dataVersion(project)
    } catch {
      // Gone or unreadable: the subscribers' next request says so; the watcher looks again next time.
      return
    }
    const cue =
      project !== watch.project || version !== watch.version || watch.touched || watch.unfinished > 0
    if (!cue) return
    const before = watch.stamps
    let topics: ProjectTopic[]
    try {
      this.#baseline(watch, project)
      topics = before ? PROJECT_TOPICS.filter((t) => watch.stamps![t] !== before[t]) : []
    } catch {
      return // a schema mid-migration by another process: the next look reads it
    }
    if (topics.length === 0) return
    for (const [client, dir] of watch.clients) {
      const event: ProjectEvent = { event: 'project.changed', dir, topics }
      try {
        client.send(event)
      } catch {
        // A connection closing: its own close handler unsubscribes it.
      }
    }
  }
}

function dataVersion(project: Project): number {
  return project.db.pragma('data_version', { simple: true }) as number
}
