import { resolve } from 'node:path'
import { setLabels, type LabelRequest, type LabelRow } from '../engine/labels/index.ts'
import type { Project } from '../engine/store/index.ts'

interface Pending {
  request: LabelRequest
  ok: (row: LabelRow) => void
  fail: (error: unknown) => void
}

interface Batch {
  /** The folder as the first request of the batch gave it: errors name it as the client wrote it. */
  dir: string
  pending: Pending[]
}

/**
 * label.set requests that arrive together share one transaction, and each is answered only after that
 * commit. At synchronous FULL every commit waits for the disk (an fsync of the WAL), which on a slow disk
 * is most of a label's cost: 16 labels in flight then cost one wait, not 16. "Together" means in the same
 * turn of the event loop: a batch is committed from setImmediate, after the messages already read from the
 * sockets have been handled, so a lone label waits for nothing. Each label keeps its own savepoint
 * (setLabels): a bad one fails alone.
 */
export class LabelGroupCommit {
  readonly #batches = new Map<string, Batch>()
  #scheduled = false
  /** Transactions committed so far (a batch is one). */
  commits = 0

  constructor(private readonly project: (dir: string) => Project) {}

  set(dir: string, request: LabelRequest): Promise<LabelRow> {
    return new Promise((ok, fail) => {
      const key = resolve(dir)
      let batch = this.#batches.get(key)
      if (!batch) this.#batches.set(key, (batch = { dir, pending: [] }))
      batch.pending.push({ request, ok, fail })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Commits the labels waiting for `dir` now (all projects' without it); each is then answered. */
  flush(dir?: string): void {
    const keys = dir === undefined ? [...this.#batches.keys()] : [resolve(dir)]
    for (const key of keys) {
      const batch = this.#batches.get(key)
      if (!batch) continue
      this.#batches.delete(key)
      this.#commit(batch)
    }
    if (this.#batches.size === 0) this.#scheduled = false
  }

  #commit({ dir, pending }: Batch): void {
    let results
    try {
      results = setLabels(
        this.project(dir),
        pending.map((p) => p.request),
      )
      this.commits++
    } catch (e) {
      for (const p of pending) p.fail(e)
      return
    }
    results.forEach((r, i) => {
      const p = pending[i]!
      if ('row' in r) p.ok(r.row)
      else p.fail(r.error)
    })
  }
}
