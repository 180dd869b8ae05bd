import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import {
  CONTROL_BYTES,
  CONTROL_WORDS,
  DONE,
  FAILED,
  FINISHED_AT_BYTE,
  SEQ,
  type Request,
  type TensorSlot,
} from './protocol.ts'

/** One kernel thread as the main thread sees it. */
export class KernelThread {
  private readonly words: Int32Array
  private readonly finished: Float64Array
  private data = new SharedArrayBuffer(0)
  private seq = 0
  private pending = false

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    control: SharedArrayBuffer,
  ) {
    this.words = new Int32Array(control, 0, CONTROL_WORDS)
    this.finished = new Float64Array(control, FINISHED_AT_BYTE, 1)
  }

  static async start(): Promise<KernelThread> {
    const control = new SharedArrayBuffer(CONTROL_BYTES)
    const { port1, port2 } = new MessageChannel()
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
      workerData: { control, port: port2 },
      transferList: [port2],
    })
    await new Promise<void>((resolve, reject) => {
      port1.once('message', () => resolve())
      worker.once('error', reject)
      worker.once('exit', (code) => reject(new Error(`a kernel thread exited at start (code ${code})`)))
    })
    worker.removeAllListeners('error')
    worker.removeAllListeners('exit')
    // Unref'd: idle kernel threads must not keep a finished CLI command alive.
    worker.unref()
    port1.unref()
    return new KernelThread(worker, port1, control)
  }

  /** A float32 view of at least `elements` shared values (the buffer grows, never shrinks). */
  buffer(elements: number): Float32Array {
    if (this.data.byteLength < elements * 4) this.data = new SharedArrayBuffer(Math.ceil(elements * 1.25) * 4)
    return new Float32Array(this.data)
  }

  /** Starts a part; its inputs must already be in `buffer()`. */
  post(kernel: string, attrs: object, inputs: TensorSlot[], out: { offset: number; length: number }): void {
    if (this.pending) throw new Error('kernel thread: a part is already running')
    const seq = this.seq + 1
    const request: Request = {
      seq,
      kernel,
      attrs: attrs as Record<string, unknown>,
      inputs,
      out,
      data: this.data,
    }
    this.port.postMessage(request)
    this.seq = seq
    this.pending = true
    Atomics.store(this.words, SEQ, this.seq)
    Atomics.notify(this.words, SEQ)
  }

  /** Blocks until the part is written into the buffer. */
  wait(): Float32Array {
    if (!this.pending) throw new Error('kernel thread: nothing to wait for')
    for (;;) {
      const done = Atomics.load(this.words, DONE)
      if (done === this.seq) break
      if (Atomics.wait(this.words, DONE, done, 600_000) === 'timed-out') {
        throw new Error('kernel thread: no answer within 10 minutes')
      }
    }
    this.pending = false
    if (Atomics.load(this.words, FAILED) === 1) {
      const reply = receiveMessageOnPort(this.port)?.message as { error?: string } | undefined
      throw new Error(`kernel thread: ${reply?.error ?? 'failed'}`)
    }
    return new Float32Array(this.data)
  }

  /** When the last part was finished, on protocol.clock(). */
  finishedAt(): number {
    return this.finished[0]!
  }

  /** Wakes the thread without a request, as a spurious wake-up would (for tests). */
  nudge(): void {
    Atomics.notify(this.words, SEQ)
  }

  async close(): Promise<void> {
    this.port.postMessage({ close: true, seq: this.seq + 1 })
    this.seq++
    Atomics.store(this.words, SEQ, this.seq)
    Atomics.notify(this.words, SEQ)
    await this.worker.terminate()
  }
}

const threads: KernelThread[] = []
let starting: Promise<void> | null = null

/**
 * Starts `count - 1` kernel threads (the main thread is the other one). Large convolutions then run
 * split over them; 1 stops them.
 */
export function setKernelThreads(count: number): Promise<void> {
  const want = Math.max(0, Math.floor(count) - 1)
  starting = (starting ?? Promise.resolve()).then(async () => {
    while (threads.length > want) await threads.pop()!.close()
    while (threads.length < want) threads.push(await KernelThread.start())
  })
  return starting
}

export function kernelThreads(): readonly KernelThread[] {
  return threads
}
