/**
 * Picks and starts the tfjs backend. Plain Node: never imports electron.
 *
 *  - 'tensorflow': native TensorFlow through the optional `@tensorflow/tfjs-node-gpu` (CUDA), imported
 *    dynamically so that a machine without it (or without CUDA) still runs.
 *  - 'webgpu': tfjs-backend-webgpu on Dawn (the optional `webgpu` package) over Vulkan, Metal or D3D12,
 *    for any vendor's GPU; 'auto' takes it only on a hardware adapter (webgpu.ts).
 *  - 'wasm': WebAssembly with XNNPACK, single-threaded (threaded wasm does not load in Node).
 *  - 'cpu': plain JavaScript, correct everywhere, slow.
 *
 * 'auto' tries them in that order; ACTIVEEM_BACKEND overrides 'auto'.
 */
import * as tf from '@tensorflow/tfjs-core'
import { version_cpu } from '@tensorflow/tfjs-backend-cpu'
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { InputError, messageOf } from '../errors.ts'
import { registerGradients } from './gradients.ts'
import { registerBatchMatMulWasm } from './kernels/batch-mat-mul.ts'
import { registerConv2DBackpropFilterWasm } from './kernels/conv2d-backprop-filter.ts'
import { registerConv2DBackpropInputWasm } from './kernels/conv2d-backprop-input.ts'
import { registerMaxPoolGradWasm } from './kernels/max-pool-grad.ts'
import { registerSliceSumWasm } from './kernels/slice-sum.ts'
import { registerParallelConvWasm } from './kernels/parallel-conv.ts'
import { setKernelThreads } from './parallel/threads.ts'
import { installShapeOnlySaves } from './shape-only-saves.ts'
import { adapterLine, probeWebGpu, registerWebGpuBackend } from './webgpu.ts'

export { tf }

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu'
export type BackendRequest = 'auto' | BackendName

export const BACKENDS: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu']
/** What --backend takes. */
export const BACKEND_REQUESTS = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const
export const BACKEND_ENV = 'ACTIVEEM_BACKEND'
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu'

export interface BackendAttempt {
  backend: string
  ok: boolean
  detail: string
}

export interface EngineInfo {
  backend: BackendName
  reason: string
  tried: BackendAttempt[]
  /** Threads the large convolutions are split over (wasm only; the other backends thread themselves). */
  threads: number
}

export const THREADS_ENV = 'ACTIVEEM_THREADS'

/** Kernel threads for the wasm backend: the option, else ACTIVEEM_THREADS, else one per core. */
export function resolveThreads(requested: number | undefined): number {
  const env = process.env[THREADS_ENV]?.trim()
  const value = requested ?? (env ? Number(env) : availableParallelism())
  if (!Number.isInteger(value) || value < 1 || value > 256) {
    const where = requested !== undefined ? 'threads' : THREADS_ENV
    throw new InputError(
      `${where}: expected a whole number of threads from 1 to 256, got '${requested ?? env}'`,
    )
  }
  return value
}

/**
 * What tfjs-core's Node entry and the wasm backend leave out or get wrong: the gradient functions
 * (gradients.ts), wasm's missing Conv2DBackpropFilter, a fast wasm Conv2DBackpropInput (upstream's is
 * a plain loop), a correct wasm MaxPoolGrad (upstream's is wrong for some shapes) and a BatchMatMul that
 * transposes before the product (upstream loops when asked for a transposed operand). Registered at
 * import, so `tf.grad` through conv2d and maxPool is right on every backend.
 */
export function registerMissingKernels(): void {
  registerGradients()
  registerConv2DBackpropFilterWasm()
  registerConv2DBackpropInputWasm()
  registerMaxPoolGradWasm()
  registerSliceSumWasm()
  registerBatchMatMulWasm()
  registerParallelConvWasm()
  installShapeOnlySaves()
}
registerMissingKernels()

// ---------------------------------------------------------------------------------------------
// tfjs-node-gpu

export interface NodeGpuLoad {
  /** The package resolves from here (it may still fail to load, e.g. for want of CUDA libraries). */
  installed: boolean
  ok: boolean
  version: string | null
  /** One line: what loaded, or why not. */
  detail: string
}

let nodeGpuLoad: Promise<NodeGpuLoad> | undefined

function installedVersion(): { installed: boolean; version: string | null } {
  try {
    const require = createRequire(import.meta.url)
    const pkg = require(`${TFJS_NODE_GPU}/package.json`) as { version?: unknown }
    return { installed: true, version: typeof pkg.version === 'string' ? pkg.version : null }
  } catch {
    return { installed: false, version: null }
  }
}

function isPackageMissing(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code
  const first = messageOf(e).split('\n')[0] ?? ''
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    new RegExp(`Cannot find (package|module) '${TFJS_NODE_GPU}'`).test(first)
  )
}

/**
 * Imports `@tensorflow/tfjs-node-gpu` once (it registers the 'tensorflow' backend into the shared tfjs
 * engine). Never throws: a missing package or missing CUDA libraries come back as `ok: false`.
 */
export function loadTfjsNodeGpu(): Promise<NodeGpuLoad> {
  nodeGpuLoad ??= (async (): Promise<NodeGpuLoad> => {
    const { installed, version } = installedVersion()
    try {
      // A variable specifier: the package is optional, so neither TypeScript nor a bundler may resolve it.
      const specifier = TFJS_NODE_GPU
      await import(specifier)
    } catch (e) {
      if (!installed || isPackageMissing(e)) {
        return { installed: false, ok: false, version: null, detail: `${TFJS_NODE_GPU} is not installed` }
      }
      const line = messageOf(e).split('\n')[0] ?? ''
      return {
        installed: true,
        ok: false,
        version,
        detail: `${TFJS_NODE_GPU} is installed but fails to load: ${line}`,
      }
    }
    if (!tf.findBackendFactory('tensorflow')) {
      return {
        installed: true,
        ok: false,
        version,
        detail: `${TFJS_NODE_GPU} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs-core (${tf.version_core})`,
      }
    }
    return { installed: true, ok: true, version, detail: `${TFJS_NODE_GPU} ${version ?? ''} loaded`.trim() }
  })()
  return nodeGpuLoad
}

// ---------------------------------------------------------------------------------------------
// Starting one backend

/** What a started backend is, in one line. */
async function describeBackend(name: BackendName): Promise<string> {
  if (name === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
    return `tfjs-backend-wasm ${version_wasm}: WebAssembly with XNNPACK, SIMD ${simd ? 'on' : 'off'}, ${getThreadsCount()} thread(s)`
  }
  if (name === 'cpu') return `tfjs-backend-cpu ${version_cpu}: plain JavaScript (slow)`
  if (name === 'webgpu') {
    const p = await probeWebGpu()
    return `tfjs-backend-webgpu ${tf.version_core} on Dawn: ${p.detail}`
  }
  const backend = tf.engine().findBackend('tensorflow') as { isUsingGpuDevice?: unknown } | null
  const gpu = backend?.isUsingGpuDevice
  const where =
    gpu === true
      ? 'TensorFlow found a GPU'
      : gpu === false
        ? 'TensorFlow found no GPU and runs on the CPU'
        : ''
  return [`${TFJS_NODE_GPU} ${installedVersion().version ?? ''}`.trim(), 'native TensorFlow', where]
    .filter(Boolean)
    .join(', ')
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection'
const PROCESS_EVENTS: ProcessEvent[] = ['uncaughtException', 'unhandledRejection']

type Listener = (...args: unknown[]) => void

/** process.listeners for either event (Node's typings overload them one by one). */
function listenersOf(event: ProcessEvent): Listener[] {
  return process.listeners(event as 'uncaughtException') as unknown as Listener[]
}

function processListeners(): Map<ProcessEvent, Set<Listener>> {
  return new Map(PROCESS_EVENTS.map((e) => [e, new Set(listenersOf(e))]))
}

/**
 * The wasm backend's Emscripten runtime adds process handlers that rethrow every uncaught error and
 * unhandled rejection, which prints its whole minified source with the error and overrides the
 * application's own handlers (the CLI's exit code 2 for bad input). They do nothing useful: remove them.
 */
function dropNewListeners(before: Map<ProcessEvent, Set<Listener>>): void {
  for (const event of PROCESS_EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener)
    }
  }
}

/**
 * Makes `name` the active backend and checks it computes 1 + 2. Leaves it active when it works.
 * Never throws.
 */
export async function tryBackend(name: BackendName): Promise<BackendAttempt> {
  if (name === 'tensorflow') {
    const load = await loadTfjsNodeGpu()
    if (!load.ok) return { backend: name, ok: false, detail: load.detail }
  }
  if (name === 'webgpu') {
    try {
      const probe = await registerWebGpuBackend()
      if (!probe.ok) return { backend: name, ok: false, detail: probe.detail }
    } catch (e) {
      return { backend: name, ok: false, detail: messageOf(e).split('\n')[0] ?? '' }
    }
  }
  try {
    const warn = console.warn
    let warning = ''
    // tfjs reports a failed backend initialisation through console.warn and a `false`.
    console.warn = (...args: unknown[]) => void (warning ||= args.map(String).join(' '))
    const listeners = processListeners()
    const previous = tf.engine().backendName as string | null | undefined
    let started: boolean
    try {
      started = await tf.setBackend(name)
    } finally {
      console.warn = warn
      dropNewListeners(listeners)
    }
    if (!started) {
      // tfjs leaves the failed name active with no backend behind it: go back to what worked.
      if (previous && previous !== name) await tf.setBackend(previous)
      return { backend: name, ok: false, detail: warning.split('\n')[0] || `tf.setBackend('${name}') failed` }
    }
    // The cpu backend's first write prints an advert for tfjs-node; we report the backend ourselves.
    if (name === 'cpu') (tf.backend() as { firstUse?: boolean }).firstUse = false
    const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)))
    const value = (await sum.data())[0]
    sum.dispose()
    if (value !== 3) return { backend: name, ok: false, detail: `started, but computed 1 + 2 = ${value}` }
    return { backend: name, ok: true, detail: await describeBackend(name) }
  } catch (e) {
    return { backend: name, ok: false, detail: messageOf(e).split('\n')[0] ?? '' }
  }
}

// ---------------------------------------------------------------------------------------------
// Choosing

/** The request after the environment override: ACTIVEEM_BACKEND replaces 'auto' (not an explicit choice). */
export function resolveRequest(requested: BackendRequest | undefined): {
  request: BackendRequest
  source: 'option' | 'env' | 'default'
} {
  if (requested !== undefined && requested !== 'auto') {
    if (!(BACKENDS as readonly string[]).includes(requested)) {
      throw new InputError(
        `backend: expected one of auto, ${BACKENDS.join(', ')}, got '${String(requested)}'`,
      )
    }
    return { request: requested, source: 'option' }
  }
  const env = process.env[BACKEND_ENV]?.trim()
  if (env) {
    if (env !== 'auto' && !(BACKENDS as readonly string[]).includes(env)) {
      throw new InputError(`${BACKEND_ENV}: expected one of auto, ${BACKENDS.join(', ')}, got '${env}'`)
    }
    return { request: env as BackendRequest, source: 'env' }
  }
  return { request: 'auto', source: 'default' }
}

/**
 * Why 'auto' passes over a backend that may well start: a software WebGPU adapter (SwiftShader,
 * llvmpipe) computes correctly but slower than wasm on the same CPU. Null when auto may try it.
 */
export async function notForAuto(name: BackendName): Promise<string | null> {
  if (name !== 'webgpu') return null
  const probe = await probeWebGpu()
  if (!probe.ok || !probe.adapter?.software) return null
  return (
    `software adapter ${adapterLine(probe.adapter)}: not chosen by default, it runs slower than wasm on the ` +
    "same CPU ('activeem bench --only webgpu' measures both); '--backend webgpu' forces it"
  )
}

/** The one-line reason for 'auto' choosing `chosen` after `tried` (which ends with the chosen one). */
export function autoReason(chosen: BackendName, tried: BackendAttempt[]): string {
  const failed = tried.filter((t) => !t.ok)
  const because = failed.map((t) => `${t.backend}: ${t.detail}`).join('; ')
  if (chosen === 'tensorflow') return `auto: ${TFJS_NODE_GPU} loads, native TensorFlow is the fastest backend`
  if (chosen === 'webgpu') {
    return `auto: ${because ? `${because}; ` : ''}a hardware GPU adapter was found, WebGPU is the fastest backend available`
  }
  if (chosen === 'wasm') {
    return `auto: ${because}; using WebAssembly (XNNPACK), the fastest backend available without it`
  }
  return `auto: ${because}; using the plain JavaScript cpu backend (slow)`
}

/** `prefix` names where the request came from when it was not the caller (the environment). */
function explicitFailure(name: BackendName, attempt: BackendAttempt, prefix: string): InputError {
  if (name === 'tensorflow') {
    const load = attempt.detail
    if (load.includes('is not installed')) {
      return new InputError(
        `${prefix}backend 'tensorflow' needs ${TFJS_NODE_GPU}, which is not installed; on a Linux workstation ` +
          `with an NVIDIA GPU (CUDA 11.2, cuDNN 8.1) run 'npm install ${TFJS_NODE_GPU}', ` +
          `or use backend 'auto' or 'wasm'; 'activeem doctor' checks the setup`,
      )
    }
    return new InputError(
      `${prefix}backend 'tensorflow' is unavailable (${load}); 'activeem doctor' lists the missing ` +
        `CUDA/cuDNN libraries, or use backend 'auto' or 'wasm'`,
    )
  }
  if (name === 'webgpu') {
    return new InputError(
      `${prefix}backend 'webgpu' is unavailable: ${attempt.detail}; 'activeem doctor' says what this machine ` +
        "lacks (on Linux the Vulkan loader libvulkan1 and the GPU driver's Vulkan ICD), or use backend 'auto' or 'wasm'",
    )
  }
  const other = name === 'wasm' ? 'cpu' : 'auto'
  return new InputError(
    `${prefix}backend '${name}' failed to start (${attempt.detail}); use backend '${other}' instead`,
  )
}

async function choose(requested: BackendRequest | undefined): Promise<EngineInfo> {
  const { request, source } = resolveRequest(requested)
  if (request !== 'auto') {
    const who = source === 'env' ? `${BACKEND_ENV}=${request}` : `backend '${request}' requested`
    const attempt = await tryBackend(request)
    if (!attempt.ok)
      throw explicitFailure(request, attempt, source === 'env' ? `${BACKEND_ENV}=${request}: ` : '')
    return { backend: request, reason: `${who}: ${attempt.detail}`, tried: [attempt], threads: 1 }
  }
  const tried: BackendAttempt[] = []
  for (const name of BACKENDS) {
    const skip = await notForAuto(name)
    const attempt = skip ? { backend: name, ok: false, detail: skip } : await tryBackend(name)
    tried.push(attempt)
    if (attempt.ok) {
      const reason = autoReason(name, tried)
      return {
        backend: name,
        reason: source === 'env' ? `${BACKEND_ENV}=auto; ${reason}` : reason,
        tried,
        threads: 1,
      }
    }
  }
  throw new Error(`no tfjs backend starts: ${tried.map((t) => `${t.backend}: ${t.detail}`).join('; ')}`)
}

const started = new Map<string, Promise<EngineInfo>>()
/** The same info object for the same start and thread count (callers compare them). */
const withThreads = new WeakMap<EngineInfo, Map<number, EngineInfo>>()
let queue: Promise<unknown> = Promise.resolve()

/**
 * Starts the tensor engine: 'auto' (default) = tfjs-node-gpu if it loads, else wasm, else cpu; the
 * ACTIVEEM_BACKEND environment variable overrides 'auto'. An explicit backend that cannot start throws
 * an InputError saying what to do. Idempotent: the same request returns the same info (and makes its
 * backend active again if something switched away from it).
 */
export function initTensorEngine(
  options: { backend?: BackendRequest; threads?: number } = {},
): Promise<EngineInfo> {
  let threads: number
  const key = (() => {
    try {
      const { request, source } = resolveRequest(options.backend)
      threads = resolveThreads(options.threads)
      return `${source}:${request}`
    } catch (e) {
      return e
    }
  })()
  if (typeof key !== 'string') return Promise.reject(key)
  const run = queue.then(async () => {
    let pending = started.get(key)
    if (!pending) {
      pending = choose(options.backend)
      started.set(key, pending)
      pending.catch(() => started.delete(key))
    }
    const chosen = await pending
    if (tf.engine().backendName !== chosen.backend) await tf.setBackend(chosen.backend)
    const used = chosen.backend === 'wasm' ? threads : 1
    await setKernelThreads(used)
    let info = withThreads.get(chosen)?.get(used)
    if (!info) {
      info = { ...chosen, threads: used }
      if (used > 1) info.reason += `; convolutions split over ${used} threads`
      withThreads.set(chosen, new Map([...(withThreads.get(chosen) ?? []), [used, info]]))
    }
    return info
  })
  queue = run.catch(() => undefined)
  return run
}
