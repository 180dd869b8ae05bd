import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { afterEach, describe, test } from 'node:test'
import { InputError } from '../../../src-main/engine/errors.ts'
import { doctor as doctorCommand } from '../../../src-main/cli/commands/doctor.ts'
import { doctor, initTensorEngine, tf } from '../../../src-main/engine/tensor/index.ts'
import { REPO } from '../../helpers/cli.ts'

// This machine has no @tensorflow/tfjs-node-gpu (an optional dependency that is not installed here).
const ENV = 'ACTIVEEM_BACKEND'
const saved = process.env[ENV]
afterEach(() => {
  if (saved === undefined) delete process.env[ENV]
  else process.env[ENV] = saved
})

describe('initTensorEngine', () => {
  test("'auto' picks wasm here and says why", async () => {
    delete process.env[ENV]
    const info = await initTensorEngine()
    assert.equal(info.backend, 'wasm')
    assert.equal(tf.getBackend(), 'wasm')
    assert.match(info.reason, /tfjs-node-gpu is not installed/)
    assert.match(info.reason, /WebAssembly/)
    assert.deepEqual(
      info.tried.map((t) => [t.backend, t.ok]),
      [
        ['tensorflow', false],
        ['webgpu', false],
        ['wasm', true],
      ],
    )
    // Idempotent: the same object, and the backend is made active again if someone switched away.
    await tf.setBackend('cpu')
    assert.equal(await initTensorEngine({ backend: 'auto' }), info)
    assert.equal(tf.getBackend(), 'wasm')
  })

  test("an explicit 'tensorflow' throws an InputError that says how to get it", async () => {
    await assert.rejects(initTensorEngine({ backend: 'tensorflow' }), (e: unknown) => {
      assert.ok(e instanceof InputError, String(e))
      assert.match(e.message, /@tensorflow\/tfjs-node-gpu/)
      assert.match(e.message, /npm install @tensorflow\/tfjs-node-gpu/)
      assert.match(e.message, /activeem doctor/)
      assert.doesNotMatch(e.message, /\n/)
      return true
    })
    assert.equal(tf.getBackend(), 'wasm', 'a failed request leaves the active backend alone')
  })

  test('explicit wasm and cpu start', async () => {
    const cpu = await initTensorEngine({ backend: 'cpu' })
    assert.equal(cpu.backend, 'cpu')
    assert.equal(tf.getBackend(), 'cpu')
    const wasm = await initTensorEngine({ backend: 'wasm' })
    assert.equal(wasm.backend, 'wasm')
    assert.match(wasm.reason, /requested/)
  })

  test('ACTIVEEM_BACKEND overrides auto, not an explicit choice', async () => {
    process.env[ENV] = 'cpu'
    const info = await initTensorEngine()
    assert.equal(info.backend, 'cpu')
    assert.match(info.reason, /ACTIVEEM_BACKEND=cpu/)
    assert.equal((await initTensorEngine({ backend: 'wasm' })).backend, 'wasm')

    process.env[ENV] = 'tensorflow'
    await assert.rejects(
      initTensorEngine(),
      (e: unknown) => e instanceof InputError && /ACTIVEEM_BACKEND/.test(e.message),
    )
    process.env[ENV] = 'gpu'
    await assert.rejects(
      initTensorEngine(),
      (e: unknown) => e instanceof InputError && /expected one of/.test(e.message),
    )
    await assert.rejects(
      initTensorEngine({ backend: 'webgl' as 'wasm' }),
      (e: unknown) => e instanceof InputError && /expected one of/.test(e.message),
    )
    delete process.env[ENV]
    assert.equal((await initTensorEngine()).backend, 'wasm')
  })

  test('wasm convolutions use one thread per core unless ACTIVEEM_THREADS or the option says otherwise', async () => {
    delete process.env[ENV]
    const savedThreads = process.env.ACTIVEEM_THREADS
    try {
      delete process.env.ACTIVEEM_THREADS
      const info = await initTensorEngine({ backend: 'wasm' })
      assert.equal(info.threads, availableParallelism())
      if (info.threads > 1) assert.match(info.reason, new RegExp(`split over ${info.threads} threads`))
      process.env.ACTIVEEM_THREADS = '3'
      assert.equal((await initTensorEngine({ backend: 'wasm' })).threads, 3)
      assert.equal((await initTensorEngine({ backend: 'wasm', threads: 1 })).threads, 1)
      assert.equal((await initTensorEngine({ backend: 'cpu' })).threads, 1, 'cpu is not split')
      for (const bad of ['0', 'two', '1.5']) {
        process.env.ACTIVEEM_THREADS = bad
        await assert.rejects(
          initTensorEngine({ backend: 'wasm' }),
          (e: unknown) =>
            e instanceof InputError && /ACTIVEEM_THREADS: expected a whole number/.test(e.message),
        )
      }
    } finally {
      if (savedThreads === undefined) delete process.env.ACTIVEEM_THREADS
      else process.env.ACTIVEEM_THREADS = savedThreads
      await initTensorEngine({ backend: 'wasm', threads: 1 })
    }
  })

  test('the wasm runtime does not keep its rethrowing process handlers', () => {
    // Emscripten installs uncaughtException/unhandledRejection handlers that rethrow (printing the
    // whole minified runtime); initTensorEngine removes them.
    for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
      for (const listener of process.listeners(event as 'uncaughtException')) {
        assert.doesNotMatch(String(listener), /ExitStatus|throw reason/, event)
      }
    }
  })
})

describe('doctor', () => {
  test('reports tfjs-node-gpu missing, with advice, and leaves the active backend alone', async () => {
    delete process.env[ENV]
    await initTensorEngine()
    const report = await doctor()
    assert.equal(tf.getBackend(), 'wasm')
    assert.equal(report.backends.tensorflow.ok, false)
    assert.equal(report.backends.wasm.ok, true)
    assert.equal(report.backends.cpu.ok, true)
    assert.equal(report.auto.backend, 'wasm')
    assert.equal(report.auto.override, null)
    assert.equal(report.tfjsNodeGpu.installed, false)
    assert.equal(report.tfjsNodeGpu.loads, false)
    assert.match(report.tfjsNodeGpu.detail, /not installed/)
    assert.ok(
      report.advice.some((a) => a.includes('npm install @tensorflow/tfjs-node-gpu')),
      report.advice.join('\n'),
    )
    assert.ok(report.advice.some((a) => /CUDA 11\.2/.test(a) && /cuDNN 8\.1/.test(a)))
    if (process.platform === 'linux') {
      const libs = report.tfjsNodeGpu.libraries!
      for (const name of ['libcudart.so.11.0', 'libcublas.so.11', 'libcufft.so.10', 'libcurand.so.10']) {
        assert.ok(libs.some((l) => l.name === name))
      }
      for (const name of ['libcusolver.so.11', 'libcusparse.so.11', 'libcudnn.so.8']) {
        assert.ok(libs.some((l) => l.name === name))
      }
      for (const l of libs) {
        assert.equal(l.found, l.path !== null, l.name)
        if (l.found) assert.ok(l.via === 'ldconfig' || l.via === 'LD_LIBRARY_PATH')
      }
    }
    assert.equal(typeof report.tfjsNodeGpu.nvidiaSmi.found, 'boolean')
  })

  test('doctor looks in LD_LIBRARY_PATH', async () => {
    const { checkLibraries } = await import('../../../src-main/engine/tensor/doctor.ts')
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { tmpdir } = await import('node:os')
    const dir = mkdtempSync(join(tmpdir(), 'activeem-cuda-'))
    try {
      writeFileSync(join(dir, 'libcudnn.so.8'), '')
      const libs = checkLibraries({ LD_LIBRARY_PATH: `/nonexistent:${dir}` })
      const cudnn = libs.find((l) => l.name === 'libcudnn.so.8')!
      assert.equal(cudnn.found, true)
      assert.equal(cudnn.via, 'LD_LIBRARY_PATH')
      assert.equal(cudnn.path, join(dir, 'libcudnn.so.8'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('the CLI command prints one JSON object with --json and rejects arguments', async () => {
    const script = [
      "import { doctor } from './src-main/cli/commands/doctor.ts'",
      "await doctor(['--json'])",
    ].join('\n')
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, [ENV]: '' },
    })
    assert.equal(r.status, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.equal(lines.length, 1, r.stdout)
    const report = JSON.parse(lines[0]!) as { auto: { backend: string }; advice: string[] }
    assert.equal(report.auto.backend, 'wasm')
    assert.ok(report.advice.length > 0)

    await assert.rejects(doctorCommand(['extra']), InputError)
    await assert.rejects(doctorCommand(['--frobnicate']), InputError)
  })
})
