import { statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { DB_FILE, Project } from '../engine/store/index.ts'
import { LabelGroupCommit } from './label-group-commit.ts'
import { ProjectChanges } from './project-changes.ts'

interface Held {
  project: Project
  dev: number
  ino: number
}

/**
 * The project databases of one host (the web host, the desktop app's main process): one connection per
 * project folder, opened on its first request and held until the host closes. Opening costs more than the
 * label it would write (WAL and pragmas set, schema checked: 2.0 against 0.35 ms a label, `bench --only
 * labels`). Jobs are other processes with connections of their own; WAL lets them write while this one
 * reads. Before each use the database file is looked up again (one stat): a project deleted, moved or
 * replaced on disk has its handle closed, so its requests get the errors of a fresh open (or the new
 * database) instead of writing to a file that is gone.
 */
export class ProjectConnections {
  readonly #held = new Map<string, Held>()
  #closed = false
  /** Connections opened so far: how tests see that requests share one. */
  opened = 0
  readonly labels = new LabelGroupCommit((dir) => this.#get(dir))
  /** The projects' change watchers: they read through the held connections, which are not requests. */
  readonly changes = new ProjectChanges((dir) => this.#get(dir, false))

  /**
   * Runs `work` on the project's held connection, after committing the labels sent before it: requests
   * act in the order they came (an undo or a read right after a label sees that label). `work` must be
   * synchronous: between two requests the handle may be closed (the host closing, the file replaced), so
   * none may be kept across an await.
   */
  use<T>(dir: string, work: (project: Project) => T): T {
    this.labels.flush(dir)
    return work(this.#get(dir))
  }

  /** Projects held open now. */
  get size(): number {
    return this.#held.size
  }

  /** Commits the labels still waiting, stops the watchers and closes every connection; later requests are refused. */
  close(): void {
    if (this.#closed) return
    this.labels.flush()
    this.changes.close()
    this.#closed = true
    for (const held of this.#held.values()) held.project.close()
    this.#held.clear()
  }

  /** `request`: a request takes the connection, and may write: the project's watcher looks soon after. */
  #get(dir: string, request = true): Project {
    if (this.#closed) throw new Error('the host is closing: it takes no more project requests')
    const key = resolve(dir)
    if (request) this.changes.touched(key)
    let held = this.#held.get(key)
    if (held) {
      // The same inode is the same file: the open connection keeps the file's inode from being reused.
      const file = statSync(join(key, DB_FILE), { throwIfNoEntry: false })
      if (file && file.ino === held.ino && file.dev === held.dev) return held.project
      this.#held.delete(key)
      held.project.close()
    }
    const project = Project.open(dir) // a folder that is not (or no longer) a project throws here
    let file
    try {
      file = statSync(join(project.dir, DB_FILE))
    } catch (e) {
      project.close()
      throw e
    }
    held = { project, dev: file.dev, ino: file.ino }
    this.#held.set(key, held)
    this.opened++
    return project
  }
}
