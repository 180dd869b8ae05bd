import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fastestOf, round } from './measure.ts'
import { PYTHON } from './peers.ts'

const CLI = fileURLToPath(new URL('../../../bin/activeem.mjs', import.meta.url))

function timed(command: string, args: string[], env: NodeJS.ProcessEnv = {}): () => Promise<void> {
  return async () => {
    const r = spawnSync(command, args, { env: { ...process.env, ...env }, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  }
}

/**
 * How long `activeem --version` takes as a whole process: from the built JavaScript (out/cli/) and
 * from the TypeScript sources through tsx; the peer is Python importing h5py and numpy, what a
 * block job of the field's tools pays before any work. Block jobs start one process per block.
 */
export async function benchStart(): Promise<Record<string, unknown>[]> {
  const built = await fastestOf(10, timed(process.execPath, [CLI, '--version']), 2)
  const source = await fastestOf(
    5,
    timed(process.execPath, [CLI, '--version'], { ACTIVEEM_FROM_SOURCE: '1' }),
    1,
  )
  const peer = await fastestOf(10, timed(PYTHON, ['-c', 'import h5py, numpy']), 2)
  return [
    {
      name: 'cli_start_built',
      ours_s: round(built),
      peer: 'python3 -c "import h5py, numpy"',
      peer_s: round(peer),
      ratio: round(built / peer),
    },
    {
      name: 'cli_start_from_source',
      ours_s: round(source),
      peer: 'the built CLI',
      peer_s: round(built),
      ratio: round(source / built),
    },
  ]
}
