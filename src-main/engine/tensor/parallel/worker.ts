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

type Message = Request | { close: true; seq: number }

/**
 * The request behind a new SEQ: posted before SEQ moved, so it is normally there at once; a loaded
 * machine may deliver it late, so keep looking for a while (1 ms, then 10 ms pauses: up to ~30 s).
 */
function nextMessage(target: number): Message | undefined {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (let tries = 0; tries < 4000; tries++) {
    const received = receiveMessageOnPort(port)
    if (received) {
      const message = received.message as Message
      // A request given up on (answered as failed) that arrived after all: its buffer is no longer its own.
      if (message.seq < target) continue
      return message
    }
    Atomics.wait(pause, 0, 0, tries < 1000 ? 1 : 10)
  }
  return undefined
}

/**
 * The last SEQ answered. A wake-up with SEQ still at it (spurious) is not a request. DONE is set to
 * the seq the answered message carries, never to a SEQ read earlier: a request that arrives while the
 * thread looks for another is answered as itself.
 */
let answered = 0
for (;;) {
  Atomics.wait(words, SEQ, answered)
  const target = Atomics.load(words, SEQ)
  if (target === answered) continue
  const message = nextMessage(target)
  if (!message) {
    // Never leave the main thread waiting: answer with a failure it can report.
    Atomics.store(words, FAILED, 1)
    port.postMessage({ error: `request ${target} did not arrive` })
    answered = target
    Atomics.store(words, DONE, answered)
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
  answered = message.seq
  Atomics.store(words, DONE, answered)
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
