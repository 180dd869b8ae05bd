import { parentPort, workerData } from 'node:worker_threads'
import { isInputError, messageOf } from '../errors.ts'
import { initTensorEngine, type BackendName } from '../tensor/index.ts'
import { TilePredictor, tileKey, type TileJob } from './tile.ts'
import type { Region } from '../volume/index.ts'

/** A prediction worker: its own tensor engine and model, fed tiles by the main thread one at a time. */
const { job, backend } = workerData as { job: TileJob; backend: BackendName }
const port = parentPort!

try {
  await initTensorEngine({ backend, threads: 1 })
  const predictor = await TilePredictor.open(job)
  port.on('message', async (message: { tile: Region } | { close: true }) => {
    if ('close' in message) {
      predictor.close()
      port.close()
      return
    }
    try {
      const voxels = await predictor.run(message.tile)
      port.postMessage({ done: tileKey(message.tile), voxels })
    } catch (e) {
      port.postMessage({ error: messageOf(e), input: isInputError(e) })
    }
  })
  port.postMessage({ ready: true })
} catch (e) {
  port.postMessage({ error: messageOf(e), input: isInputError(e) })
}
