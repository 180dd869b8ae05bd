/**
 * The WebGPU engine: Dawn's Node binding (the optional npm package `webgpu`) gives Node a
 * `navigator.gpu` over Vulkan, Metal or D3D12, and @tensorflow/tfjs-backend-webgpu runs tfjs on it.
 * Both are optional: a machine without them (or without a driver) reports why and runs on wasm.
 *
 * We register the 'webgpu' backend factory ourselves instead of upstream's: it asks for the adapter's
 * own limits (a device's default storage binding is 128 MiB, too small for a training window), keeps the
 * adapter's description for doctor, and watches for a lost device and out-of-memory errors so that a job
 * ends with one clear line instead of computing zeros.
 */
import * as tf from '@tensorflow/tfjs-core'
import { existsSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { messageOf } from '../errors.ts'
import { deviceFailed, onTestDeviceLoss, resetDeviceState } from '../device-state.ts'
import { registerRankFoldingWebGpu } from './kernels/webgpu-rank.ts'

export const WEBGPU_PACKAGE = 'webgpu'
export const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu'

export interface AdapterReport {
  vendor: string
  architecture: string
  device: string
  description: string
  /** A CPU rasteriser (SwiftShader, llvmpipe/lavapipe): correct, never faster than wasm. */
  software: boolean
  limits: Record<string, number>
}

export interface WebGpuProbe {
  /** Both packages resolve from here. */
  installed: boolean
  /** An adapter was found. */
  ok: boolean
  adapter: AdapterReport | null
  /** One line: what was found, or why not. */
  detail: string
  /** Linux: the Vulkan loader and the driver manifests (ICDs) the loader would read. */
  vulkan: { loader: string | null; icds: string[]; env: string | null } | null
}

const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxStorageBuffersPerShaderStage',
] as const

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render/i

interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<AdapterLike | null>
}
interface AdapterLike {
  info?: Record<string, unknown>
  limits: Record<string, number>
  isFallbackAdapter?: boolean
  requestDevice(d?: { requiredLimits?: Record<string, number> }): Promise<DeviceLike>
}
interface DeviceLike {
  lost: Promise<{ reason: string; message: string }>
  onuncapturederror: ((e: { error: { message: string } }) => void) | null
  destroy(): void
}

/** Where the Vulkan loader looks for driver manifests, in its own order (Linux). */
function icdFolders(): string[] {
  const home = process.env.HOME
  const dataDirs = (process.env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')
  const configDirs = (process.env.XDG_CONFIG_DIRS || '/etc/xdg').split(':')
  return [
    ...configDirs.map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    ...dataDirs.map((d) => join(d, 'vulkan/icd.d')),
    ...(home ? [join(home, '.local/share/vulkan/icd.d')] : []),
  ]
}

function findLoader(): string | null {
  for (const dir of [
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
  ]) {
    const p = join(dir, 'libvulkan.so.1')
    if (existsSync(p)) return p
  }
  for (const dir of (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    const p = join(dir, 'libvulkan.so.1')
    if (existsSync(p)) return p
  }
  return null
}

/** The Vulkan loader and the ICDs it would load here (Linux only: Metal and D3D12 need nothing). */
export function vulkanSetup(): WebGpuProbe['vulkan'] {
  if (process.platform !== 'linux') return null
  const named = process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES
  const icds = named
    ? named.split(':').filter((f) => existsSync(f))
    : [...new Set(icdFolders())].flatMap((d) => {
        try {
          return readdirSync(d)
            .filter((f) => f.endsWith('.json'))
            .map((f) => join(d, f))
        } catch {
          return []
        }
      })
  return {
    loader: findLoader(),
    icds,
    env: process.env.VK_DRIVER_FILES
      ? 'VK_DRIVER_FILES'
      : process.env.VK_ICD_FILENAMES
        ? 'VK_ICD_FILENAMES'
        : null,
  }
}

function installed(): boolean {
  const require = createRequire(import.meta.url)
  try {
    require.resolve(`${WEBGPU_PACKAGE}/package.json`)
    require.resolve(TFJS_WEBGPU_PACKAGE)
    return true
  } catch {
    return false
  }
}

function describeAdapter(adapter: AdapterLike): AdapterReport {
  const info = adapter.info ?? {}
  const text = (k: string): string => (typeof info[k] === 'string' ? (info[k] as string) : '')
  const limits: Record<string, number> = {}
  for (const name of LIMIT_NAMES) {
    const v = adapter.limits[name]
    if (typeof v === 'number') limits[name] = v
  }
  const all = [text('vendor'), text('architecture'), text('device'), text('description')].join(' ')
  return {
    vendor: text('vendor'),
    architecture: text('architecture'),
    device: text('device'),
    description: text('description'),
    software: info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE.test(all),
    limits,
  }
}

export function adapterLine(a: AdapterReport): string {
  const name =
    a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter'
  return `${name} (${a.software ? 'software, on the CPU' : 'hardware'}${a.vendor ? `, vendor ${a.vendor}` : ''})`
}

let gpu: GpuLike | null = null
let adapter: AdapterLike | null = null
let probe: Promise<WebGpuProbe> | undefined

/**
 * Loads Dawn and asks for a high-performance adapter, once per process. Never throws. On Linux with no
 * Vulkan driver manifest at all, Dawn is not loaded: it would only print Vulkan's "found no drivers".
 */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probe ??= (async (): Promise<WebGpuProbe> => {
    const vulkan = vulkanSetup()
    if (!installed()) {
      return {
        installed: false,
        ok: false,
        adapter: null,
        vulkan,
        detail: `${WEBGPU_PACKAGE} and ${TFJS_WEBGPU_PACKAGE} are not installed (optional dependencies)`,
      }
    }
    if (vulkan && !vulkan.loader) {
      return {
        installed: true,
        ok: false,
        adapter: null,
        vulkan,
        detail: 'no Vulkan loader (libvulkan.so.1; Debian/Ubuntu: libvulkan1)',
      }
    }
    if (vulkan && vulkan.icds.length === 0) {
      const where = vulkan.env
        ? `${vulkan.env} names no existing file`
        : 'no Vulkan driver manifest (ICD) in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d'
      return {
        installed: true,
        ok: false,
        adapter: null,
        vulkan,
        detail: `${where}: the GPU driver's Vulkan part is missing`,
      }
    }
    try {
      const specifier = WEBGPU_PACKAGE
      const dawn = (await import(specifier)) as { create: (flags: string[]) => GpuLike; globals: object }
      // tfjs-backend-webgpu reads GPUBufferUsage, GPUMapMode and the like as globals, as in a browser.
      Object.assign(globalThis, dawn.globals)
      gpu = dawn.create([])
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
    } catch (e) {
      return {
        installed: true,
        ok: false,
        adapter: null,
        vulkan,
        detail: `Dawn failed to start: ${messageOf(e).split('\n')[0]}`,
      }
    }
    if (!adapter) {
      return {
        installed: true,
        ok: false,
        adapter: null,
        vulkan,
        detail: 'Dawn found no GPU adapter (the driver offers no Vulkan, Metal or D3D12 device)',
      }
    }
    const report = describeAdapter(adapter)
    return { installed: true, ok: true, adapter: report, vulkan, detail: adapterLine(report) }
  })()
  return probe
}

let device: DeviceLike | null = null

/**
 * Registers the 'webgpu' tfjs backend on the probed adapter (once). Upstream's module registers its own
 * factory at import when navigator.gpu exists; ours replaces it.
 */
export async function registerWebGpuBackend(): Promise<WebGpuProbe> {
  const p = await probeWebGpu()
  if (!p.ok || !gpu || !adapter) return p
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator
  if (!nav) {
    // Node 20 has no navigator; Node 21+ has a read-only one, which gets the property defined instead.
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true })
  } else if (!nav.gpu) {
    Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true })
  }
  const specifier = TFJS_WEBGPU_PACKAGE
  const mod = (await import(specifier)) as {
    WebGPUBackend?: new (device: unknown, info?: unknown) => tf.KernelBackend
    webgpu?: { WebGPUBackend: new (device: unknown, info?: unknown) => tf.KernelBackend }
  }
  const Backend = mod.WebGPUBackend ?? mod.webgpu?.WebGPUBackend
  if (!Backend) throw new Error(`${TFJS_WEBGPU_PACKAGE} exports no WebGPUBackend`)
  registerRankFoldingWebGpu()
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu')
  const chosen = adapter
  tf.registerBackend(
    'webgpu',
    async () => {
      const requiredLimits: Record<string, number> = {}
      for (const name of LIMIT_NAMES) {
        const v = chosen.limits[name]
        if (typeof v === 'number') requiredLimits[name] = v
      }
      const d = await chosen.requestDevice({ requiredLimits })
      device = d
      resetDeviceState()
      onTestDeviceLoss(() => d.destroy())
      void d.lost.then((info) => {
        if (device === d) deviceFailed('lost', `${info.reason}: ${info.message || 'no message'}`)
      })
      d.onuncapturederror = (e) => {
        const message = e.error.message.split('\n').find((l) => l.trim()) ?? 'no message'
        deviceFailed(/out of memory|OutOfMemory|allocation/i.test(message) ? 'memory' : 'invalid', message)
      }
      return new Backend(d, chosen.info)
    },
    1,
  )
  return p
}

/** The largest single buffer the device takes: what windows and batches are sized against. */
export function maxBufferBytes(): number | null {
  if (!adapter) return null
  const a = adapter.limits.maxStorageBufferBindingSize
  const b = adapter.limits.maxBufferSize
  return typeof a === 'number' && typeof b === 'number' ? Math.min(a, b) : null
}
