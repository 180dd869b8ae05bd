import { Worker } from 'node:worker_threads'
import { InputError } from '../errors.ts'
import type { BackendName } from '../tensor/index.ts'
import type { Region } from '../volume/index.ts'
import type { TileJob } from './tile.ts'

type Reply = { ready: true } | { done: string; voxels: number } | { error: string; input: boolean }

/**
 * Tiles spread over worker threads, one engine each (threaded wasm does not load in Node, so cores
 * are used by running several single-threaded engines). Tiles are independent, so the map is the
 * same for any number of workers.
 */
export async function runTilesInWorkers(
  job: TileJob,
  backend: BackendName,
  count: number,
  tiles: Region[],
  onDone: (key: string, voxels: number) => void,
  shouldStop: () => boolean,
): Promise<void> {
  const workers = Array.from(
    { length: Math.min(count, tiles.length) },
    () => new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { job, backend } }),
  )
  const queue = [...tiles]
  let failure: Error | null = null
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const next = (): void => {
              const tile = failure || shouldStop() ? undefined : queue.shift()
              if (!tile) {
                worker.postMessage({ close: true })
                resolve()
                return
              }
              worker.postMessage({ tile })
            }
            worker.on('message', (reply: Reply) => {
              if ('error' in reply) {
                failure ??= reply.input ? new InputError(reply.error) : new Error(reply.error)
                resolve()
                return
              }
              if ('done' in reply) onDone(reply.done, reply.voxels)
              next()
            })
            worker.on('error', (e) => {
              failure ??= e
              resolve()
            })
            worker.on('exit', () => resolve())
          }),
      ),
    )
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
  if (failure) throw failure
}
