/**
 * Whether the GPU device still computes what it is asked. A lost device (driver reset), an allocation
 * it refused or a program it rejected make WebGPU drop work silently, so the webgpu backend records the
 * first failure here and long loops check it between steps (jobs' checkpointYield does). No tfjs import:
 * the job runner reads it.
 */
import { InputError } from './errors.ts'

/** A GPU failure that the user can act on (another backend, a smaller batch): exit 2, one line. */
export class DeviceError extends InputError {}

type Failure = 'lost' | 'memory' | 'invalid'

let failure: { kind: Failure; detail: string } | null = null

export function resetDeviceState(): void {
  failure = null
}

/** Keeps the first failure: later ones are its consequences. */
export function deviceFailed(kind: Failure, detail: string): void {
  failure ??= { kind, detail }
}

const KEPT = 'finished tiles and checkpoints are kept'

export function deviceFailure(): DeviceError | null {
  if (!failure) return null
  const { kind, detail } = failure
  if (kind === 'lost') {
    return new DeviceError(
      `the GPU device was lost (${detail}); ${KEPT}: run the command again to resume, or with ` +
        "'--backend wasm' if the GPU keeps failing",
    )
  }
  if (kind === 'memory') {
    return new DeviceError(
      `the GPU ran out of memory (${detail}); ${KEPT}: rerun with a smaller --batch or --window, or with '--backend wasm'`,
    )
  }
  return new DeviceError(
    `the GPU refused a program (${detail}), so its results would be wrong; ${KEPT}: rerun with ` +
      "'--backend wasm', and report this with the output of 'activeem doctor --json'",
  )
}

/**
 * Test hook: ACTIVEEM_TEST_LOSE_GPU_AT=N destroys the device at the Nth check, as a driver reset would
 * (the crash-safety tests lose it mid-job and resume).
 */
const LOSE_AT = Number(process.env.ACTIVEEM_TEST_LOSE_GPU_AT ?? 0)
let checks = 0
let loseDevice: (() => void) | null = null

export function onTestDeviceLoss(lose: () => void): void {
  loseDevice = lose
}

/** Throws the device's failure, if any. */
export function checkDevice(): void {
  if (LOSE_AT > 0 && loseDevice && ++checks === LOSE_AT) {
    loseDevice()
    deviceFailed('lost', 'destroyed: ACTIVEEM_TEST_LOSE_GPU_AT')
  }
  const e = deviceFailure()
  if (e) throw e
}
