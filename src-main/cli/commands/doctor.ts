import { doctor as runDoctor, type DoctorReport } from '../../engine/tensor/index.ts'
import { parse } from '../args.ts'
import { emit } from '../output.ts'

export const usage = 'activeem doctor [--json]'

/** Which tensor backends run here, which one ActiveEM picks, and what the GPU backend still needs. */
export async function doctor(argv: string[]): Promise<void> {
  const { values } = parse('doctor', argv, {}, { min: 0, max: 0, usage })
  const report = await runDoctor()
  emit(values.json, report, () => describe(report))
}

export function describe(r: DoctorReport): string {
  const lines: string[] = [
    `activeem doctor (${r.platform}, Node ${r.node}, tfjs ${r.tfjsCore})`,
    '',
    'backends:',
  ]
  for (const b of Object.values(r.backends)) {
    lines.push(`  ${b.backend.padEnd(10)}  ${b.ok ? 'ok  ' : 'FAIL'}  ${b.detail}`)
  }
  lines.push(`  in use: ${r.auto.backend ?? 'none'} (${r.auto.reason})`, '')
  const w = r.webgpu
  lines.push(
    `WebGPU (webgpu + @tensorflow/tfjs-backend-webgpu): ${w.installed ? 'installed' : 'not installed'}`,
  )
  if (w.adapter) {
    const a = w.adapter
    lines.push(
      `  adapter: ${a.description || '(no description)'}; vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}, ${a.software ? 'software (CPU)' : 'hardware'}`,
    )
    const mib = (n: number | undefined): string => (n === undefined ? '?' : `${Math.round(n / 2 ** 20)} MiB`)
    lines.push(
      `  limits: largest buffer ${mib(a.limits.maxBufferSize)}, storage binding ${mib(a.limits.maxStorageBufferBindingSize)}, workgroup storage ${a.limits.maxComputeWorkgroupStorageSize ?? '?'} B`,
    )
  } else {
    lines.push(`  ${w.detail}`)
  }
  if (w.vulkan) {
    lines.push(
      `  Vulkan loader: ${w.vulkan.loader ?? 'MISSING (libvulkan1)'}; driver ICDs: ${w.vulkan.icds.length ? w.vulkan.icds.join(', ') : 'none'}${w.vulkan.env ? ` (from ${w.vulkan.env})` : ''}`,
    )
  }
  lines.push(`  chosen by auto: ${w.chosenByAuto ? 'yes' : `no: ${w.notChosenBecause ?? ''}`}`, '')
  const gpu = r.tfjsNodeGpu
  const state = !gpu.installed
    ? 'not installed'
    : gpu.loads
      ? `${gpu.version ?? ''} loads`.trim()
      : 'installed, fails to load'
  lines.push(`GPU backend (@tensorflow/tfjs-node-gpu): ${state}`)
  lines.push(
    `  nvidia-smi: ${gpu.nvidiaSmi.found ? gpu.nvidiaSmi.gpus.join('; ') || gpu.nvidiaSmi.detail : gpu.nvidiaSmi.detail}`,
  )
  if (gpu.libraries) {
    lines.push('  CUDA 11.2 / cuDNN 8.1 libraries (what TensorFlow 2.9 opens):')
    const width = Math.max(...gpu.libraries.map((l) => l.name.length))
    for (const l of gpu.libraries) {
      const where = l.found
        ? `${l.path} (${l.via})`
        : [
            'MISSING',
            l.offLoaderPath ? `present at ${l.offLoaderPath} but not on the loader path` : '',
            l.otherVersions.length > 0 ? `other versions: ${l.otherVersions.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join('; ')
      lines.push(`    ${l.name.padEnd(width)}  ${where}  [${l.what}]`)
    }
  } else {
    lines.push('  CUDA library check: Linux only')
  }
  if (r.advice.length > 0) lines.push('', 'advice:', ...r.advice.map((a) => `  - ${a}`))
  return lines.join('\n')
}
