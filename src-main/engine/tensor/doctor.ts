/**
 * What the tensor engine can run on here, and what the GPU backend would need, in words a scientist
 * can act on. Plain Node (no electron); safe to call at any time: the active backend is restored.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  BACKEND_ENV,
  BACKENDS,
  TFJS_NODE_GPU,
  autoReason,
  loadTfjsNodeGpu,
  notForAuto,
  resolveRequest,
  tf,
  tryBackend,
  type BackendAttempt,
  type BackendName,
} from './backend.ts'
import { messageOf } from '../errors.ts'
import { probeWebGpu, type AdapterReport, type WebGpuProbe } from './webgpu.ts'

/** The shared libraries TensorFlow 2.9 (bound by tfjs-node-gpu 4.x) opens: CUDA 11.2 and cuDNN 8.1. */
export const CUDA_LIBRARIES: ReadonlyArray<{ name: string; what: string }> = [
  { name: 'libcuda.so.1', what: 'NVIDIA driver' },
  { name: 'libcudart.so.11.0', what: 'CUDA 11 runtime' },
  { name: 'libcublas.so.11', what: 'cuBLAS (CUDA 11)' },
  { name: 'libcublasLt.so.11', what: 'cuBLASLt (CUDA 11)' },
  { name: 'libcufft.so.10', what: 'cuFFT (CUDA 11)' },
  { name: 'libcurand.so.10', what: 'cuRAND (CUDA 11)' },
  { name: 'libcusolver.so.11', what: 'cuSOLVER (CUDA 11)' },
  { name: 'libcusparse.so.11', what: 'cuSPARSE (CUDA 11)' },
  { name: 'libcudnn.so.8', what: 'cuDNN 8' },
]

export interface LibraryCheck {
  name: string
  what: string
  found: boolean
  /** Where the dynamic loader finds it (null when it does not). */
  path: string | null
  via: 'ldconfig' | 'LD_LIBRARY_PATH' | null
  /** Present on disk but not where the loader looks (e.g. /usr/local/cuda-11.2/lib64). */
  offLoaderPath: string | null
  /** Other versions of the same library the loader sees (e.g. libcudart.so.12 from CUDA 12). */
  otherVersions: string[]
}

export interface DoctorReport {
  platform: string
  node: string
  tfjsCore: string
  backends: Record<BackendName, BackendAttempt>
  /** What `initTensorEngine()` (backend 'auto' or ACTIVEEM_BACKEND) would use, and why. */
  auto: { backend: BackendName | null; reason: string; override: string | null }
  tfjsNodeGpu: {
    installed: boolean
    version: string | null
    loads: boolean
    detail: string
    nvidiaSmi: { found: boolean; detail: string; gpus: string[] }
    /** Null where the check does not apply (not Linux). */
    libraries: LibraryCheck[] | null
  }
  /** The WebGPU engine: what Dawn found, and why 'auto' does or does not take it. */
  webgpu: {
    installed: boolean
    adapter: AdapterReport | null
    detail: string
    vulkan: WebGpuProbe['vulkan']
    chosenByAuto: boolean
    /** Why auto passes over it, where it does. */
    notChosenBecause: string | null
  }
  advice: string[]
}

const SHORT = 5000

function runQuiet(cmd: string, args: string[]): { ok: boolean; stdout: string; error: string } {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: SHORT, maxBuffer: 16 << 20 })
    if (r.error) return { ok: false, stdout: '', error: messageOf(r.error) }
    if (r.status !== 0)
      return { ok: false, stdout: r.stdout ?? '', error: (r.stderr ?? '').trim().split('\n')[0] ?? '' }
    return { ok: true, stdout: r.stdout ?? '', error: '' }
  } catch (e) {
    return { ok: false, stdout: '', error: messageOf(e) }
  }
}

function checkNvidiaSmi(): DoctorReport['tfjsNodeGpu']['nvidiaSmi'] {
  const r = runQuiet('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'])
  if (!r.ok) {
    const missing = /ENOENT/.test(r.error)
    return {
      found: false,
      detail: missing
        ? 'nvidia-smi is not installed (no NVIDIA driver found)'
        : `nvidia-smi failed: ${r.error}`,
      gpus: [],
    }
  }
  const gpus = r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return { found: true, detail: `${gpus.length} GPU(s)`, gpus }
}

/** `ldconfig -p` as name -> paths, 64-bit entries first. */
function loaderCache(): Map<string, string[]> {
  const cache = new Map<string, string[]>()
  for (const cmd of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    const r = runQuiet(cmd, ['-p'])
    if (!r.ok) continue
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)/.exec(line)
      if (!m) continue
      const [, name, flags, path] = m as unknown as [string, string, string, string]
      const list = cache.get(name) ?? []
      if (/64/.test(flags)) list.unshift(path)
      else list.push(path)
      cache.set(name, list)
    }
    break
  }
  return cache
}

/** Folders where CUDA toolkits usually land, for "installed but not on the loader path". */
function cudaFolders(): string[] {
  const out: string[] = []
  try {
    for (const name of readdirSync('/usr/local')) {
      if (name.startsWith('cuda'))
        out.push(join('/usr/local', name, 'lib64'), join('/usr/local', name, 'lib'))
    }
  } catch {
    // no /usr/local
  }
  return out.filter((d) => existsSync(d))
}

export function checkLibraries(env: NodeJS.ProcessEnv = process.env): LibraryCheck[] {
  const cache = loaderCache()
  const ldPath = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)
  const extra = cudaFolders()
  return CUDA_LIBRARIES.map(({ name, what }) => {
    const base = name.replace(/\.so\..*$/, '.so.')
    const otherVersions = [...cache.keys()].filter((k) => k.startsWith(base) && k !== name).sort()
    const fromLd = ldPath.map((d) => join(d, name)).find((p) => existsSync(p))
    const fromCache = cache.get(name)?.[0]
    const path = fromLd ?? fromCache ?? null
    const offLoaderPath = path ? null : (extra.map((d) => join(d, name)).find((p) => existsSync(p)) ?? null)
    return {
      name,
      what,
      found: path !== null,
      path,
      via: fromLd ? 'LD_LIBRARY_PATH' : fromCache ? 'ldconfig' : null,
      offLoaderPath,
      otherVersions,
    }
  })
}

function webgpuAdvice(w: DoctorReport['webgpu']): string[] {
  if (w.chosenByAuto) return [`ActiveEM computes on the GPU through WebGPU: ${w.detail}.`]
  if (!w.installed) {
    return [
      "The WebGPU engine is not installed: run 'npm install webgpu @tensorflow/tfjs-backend-webgpu' in the ActiveEM " +
        'folder (optional dependencies; their binaries ship inside the packages).',
    ]
  }
  if (w.adapter?.software) {
    return [
      `WebGPU found only a software adapter (${w.adapter.description || w.adapter.vendor}), which runs on the CPU and is ` +
        "slower than wasm, so it is not used unless asked for ('--backend webgpu'). With a GPU, install its driver's Vulkan part.",
    ]
  }
  const out: string[] = []
  if (w.vulkan && !w.vulkan.loader) {
    out.push(
      "WebGPU needs the Vulkan loader: install 'libvulkan1' (Debian/Ubuntu) or 'vulkan-loader' (Fedora).",
    )
  }
  if (w.vulkan && w.vulkan.icds.length === 0) {
    out.push(
      "WebGPU finds no Vulkan driver (no ICD file in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d): install the GPU driver's " +
        "Vulkan part (NVIDIA: the full driver, which ships nvidia_icd.json; AMD and Intel: 'mesa-vulkan-drivers'), or point " +
        'VK_ICD_FILENAMES at the ICD file.',
    )
  }
  if (out.length === 0 && !w.adapter) out.push(`WebGPU is unavailable: ${w.detail}.`)
  return out
}

function adviceFor(report: Omit<DoctorReport, 'advice'>): string[] {
  const advice: string[] = [...webgpuAdvice(report.webgpu)]
  const gpu = report.tfjsNodeGpu
  const linux = process.platform === 'linux'
  if (report.auto.backend === 'tensorflow') {
    advice.push(`The GPU backend works: ActiveEM uses native TensorFlow through ${TFJS_NODE_GPU}.`)
  } else if (report.auto.backend) {
    advice.push(
      `ActiveEM will use the '${report.auto.backend}' backend (${report.backends[report.auto.backend].detail}). ` +
        'Everything works, but training is much faster on an NVIDIA GPU.',
    )
  }
  if (report.auto.override) {
    advice.push(
      `${BACKEND_ENV}=${report.auto.override} is set and decides the backend; unset it to let ActiveEM choose.`,
    )
  }
  if (!linux && !gpu.installed) {
    advice.push(
      `${TFJS_NODE_GPU} supports NVIDIA GPUs on Linux (and Windows) only; on ${process.platform} ActiveEM runs on the CPU ` +
        '(WebAssembly). For GPU training use a Linux workstation with an NVIDIA GPU.',
    )
  }
  if (!gpu.nvidiaSmi.found && (linux || process.platform === 'win32')) {
    advice.push(
      'No NVIDIA driver was found (nvidia-smi is missing or fails). If this machine has an NVIDIA GPU, install ' +
        "the NVIDIA driver (e.g. 'sudo ubuntu-drivers install' on Ubuntu) and reboot. Without a GPU, ActiveEM runs on the CPU (wasm backend) by itself.",
    )
  }
  if (!gpu.installed && (linux || process.platform === 'win32')) {
    advice.push(
      `The GPU backend is not installed. On a workstation with an NVIDIA GPU, run 'npm install ${TFJS_NODE_GPU}' ` +
        'in the ActiveEM folder; it needs CUDA 11.2 and cuDNN 8.1 (the CUDA libraries checked in this report).',
    )
  } else if (gpu.installed && !gpu.loads) {
    advice.push(
      `${TFJS_NODE_GPU}${gpu.version ? ` ${gpu.version}` : ''} is installed but does not load: ${gpu.detail}.`,
    )
  }
  if (gpu.libraries) {
    const missing = gpu.libraries.filter((l) => !l.found)
    const offPath = missing.filter((l) => l.offLoaderPath)
    if (offPath.length > 0) {
      const dirs = [...new Set(offPath.map((l) => l.offLoaderPath!.replace(/\/[^/]+$/, '')))]
      advice.push(
        `${offPath.map((l) => l.name).join(', ')} exist but the loader does not look there: run ` +
          `'export LD_LIBRARY_PATH=${dirs.join(':')}:$LD_LIBRARY_PATH' before starting ActiveEM ` +
          `(or add ${dirs.join(' and ')} to /etc/ld.so.conf.d/ and run 'sudo ldconfig').`,
      )
    }
    const absent = missing.filter((l) => !l.offLoaderPath && l.name !== 'libcuda.so.1')
    if (absent.length > 0) {
      const newer = absent.filter((l) => l.otherVersions.length > 0)
      advice.push(
        `The GPU backend needs CUDA 11 / cuDNN 8 libraries that are missing here: ${absent.map((l) => l.name).join(', ')}. ` +
          `${TFJS_NODE_GPU} 4.x binds TensorFlow 2.9, which needs exactly these major versions: install the ` +
          'CUDA 11.2 toolkit and cuDNN 8.1 for CUDA 11 from developer.nvidia.com (they can sit next to a newer CUDA).' +
          (newer.length > 0
            ? ` Found other versions (${newer.flatMap((l) => l.otherVersions).join(', ')}), which TensorFlow 2.9 cannot use.`
            : ''),
      )
    }
  }
  return advice
}

/**
 * Checks every backend (leaving the active one as it was), what 'auto' would pick, and what the GPU
 * backend needs. Loading tfjs-node-gpu, when installed, registers its backend for the whole process.
 */
export async function doctor(): Promise<DoctorReport> {
  const previous = tf.engine().backendName as BackendName | null | undefined
  const load = await loadTfjsNodeGpu()
  const backends = {} as Record<BackendName, BackendAttempt>
  try {
    for (const name of BACKENDS) backends[name] = await tryBackend(name)
  } finally {
    if (previous && previous !== tf.engine().backendName) await tf.setBackend(previous)
  }

  let auto: DoctorReport['auto']
  try {
    const { request, source } = resolveRequest(undefined)
    const override = source === 'env' ? request : null
    if (request !== 'auto') {
      const b = backends[request]
      auto = {
        backend: b.ok ? request : null,
        reason: b.ok ? `${BACKEND_ENV}=${request}` : `${BACKEND_ENV}=${request}, which fails: ${b.detail}`,
        override,
      }
    } else {
      const tried: BackendAttempt[] = []
      let chosen: BackendName | null = null
      for (const name of BACKENDS) {
        const skip = await notForAuto(name)
        tried.push(skip ? { backend: name, ok: false, detail: skip } : backends[name])
        if (!skip && backends[name].ok) {
          chosen = name
          break
        }
      }
      auto = {
        backend: chosen,
        reason: chosen ? autoReason(chosen, tried) : 'no backend starts',
        override,
      }
    }
  } catch (e) {
    auto = { backend: null, reason: messageOf(e), override: process.env[BACKEND_ENV] ?? null }
  }

  // Nothing was active before: leave the engine on what initTensorEngine() would pick, not on the last probe.
  if (!previous && auto.backend && tf.engine().backendName !== auto.backend) await tf.setBackend(auto.backend)

  const probe = await probeWebGpu()
  const partial: Omit<DoctorReport, 'advice'> = {
    platform: `${process.platform}-${process.arch}`,
    node: process.versions.node,
    tfjsCore: tf.version_core,
    backends,
    auto,
    tfjsNodeGpu: {
      installed: load.installed,
      version: load.version,
      loads: load.ok,
      detail: load.detail,
      nvidiaSmi: checkNvidiaSmi(),
      libraries: process.platform === 'linux' ? checkLibraries() : null,
    },
    webgpu: {
      installed: probe.installed,
      adapter: probe.adapter,
      detail: backends.webgpu.ok ? backends.webgpu.detail : probe.ok ? backends.webgpu.detail : probe.detail,
      vulkan: probe.vulkan,
      chosenByAuto: auto.backend === 'webgpu',
      notChosenBecause:
        auto.backend === 'webgpu'
          ? null
          : ((await notForAuto('webgpu')) ??
            (backends.webgpu.ok
              ? `'auto' chose ${auto.backend ?? 'nothing'} first`
              : backends.webgpu.detail)),
    },
  }
  return { ...partial, advice: adviceFor(partial) }
}
