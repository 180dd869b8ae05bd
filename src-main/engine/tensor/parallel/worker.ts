import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads'
import { messageOf } from '../../errors.ts'
import { initTensorEngine, tf } from '../backend.ts'
import { clock, CONTROL_WORDS, DONE, FAILED, FINISHED_AT_BYTE, SEQ, type Request } from './protocol.ts'

/**
 * A kernel thread: its own single-threaded wasm engine, woken through Atomics for one part of a large
 * kernel at a time. Requests and their buffers arrive on a MessagePort read synchronously, so neither
 * side goes back to its event loop during a kernel.
 */
const { control, port } = workerData as { control: SharedArrayBuffer; port: MessagePort }
const words = new Int32Array(control, 0, CONTROL_WORDS)
const finishedAt = new Float64Array(control, FINISHED_AT_BYTE, 1)

await initTensorEngine({ backend: 'wasm', threads: 1 })
port.postMessage({ ready: true })

/** The request behind a new SEQ: posted before SEQ moved, but give the port a moment to deliver it. */
function nextMessage(): Request | { close: true } | undefined {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let tries = 0; tries < 1000; tries++) {
    const received = receiveMessageOnPort(port)
    if (received) return received.message as Request | { close: true }
    Atomics.wait(pause, 0, 0, 1)
  }
  return undefined
}

let seen = 0
for (;;) {
  Atomics.wait(words, SEQ, seen)
  seen = Atomics.load(words, SEQ)
  const message = nextMessage()
  if (!message) {
    // Never leave the main thread waiting: answer with a failure it can report.
    Atomics.store(words, FAILED, 1)
    port.postMessage({ error: 'no request arrived with the signal' })
    Atomics.store(words, DONE, seen)
    Atomics.notify(words, DONE)
    continue
  }
  if ('close' in message) break
  try {
    runPart(message)
    Atomics.store(words, FAILED, 0)
  } catch (e) {
    Atomics.store(words, FAILED, 1)
    port.postMessage({ error: messageOf(e) })
  }
  finishedAt[0] = clock()
  Atomics.store(words, DONE, seen)
  Atomics.notify(words, DONE)
}
port.close()

function runPart(request: Request): void {
  const data = new Float32Array(request.data)
  const backend = tf.backend() as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }
  tf.tidy(() => {
    const inputs: Record<string, tf.Tensor> = {}
    for (const slot of request.inputs) {
      const size = slot.shape.reduce((a, b) => a * b, 1)
      inputs[slot.name] = tf.tensor(data.subarray(slot.offset, slot.offset + size), slot.shape, 'float32')
    }
    const out = tf.engine().runKernel(request.kernel, inputs, request.attrs as tf.NamedAttrMap) as tf.Tensor
    // Straight from this thread's heap into the shared buffer (dataSync would copy once more).
    const values = backend.typedArrayFromHeap(out)
    if (values.length !== request.out.length)
      throw new Error(
        `${request.kernel}: the part has ${values.length} values, expected ${request.out.length}`,
      )
    data.set(values, request.out.offset)
  })
}
