import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { REPO } from './cli.ts'

/**
 * Starts the single-node Slurm cluster (resources/slurm/start.sh: idempotent, needs root and Debian's
 * slurm-wlm and munge) and returns why it cannot run here, or null. ACTIVEEM_REQUIRE_SLURM=1 (CI)
 * turns a missing piece into a failure, so CI never skips the cluster tests.
 */
export function startSlurm(): string | null {
  let missing: string | null = null
  if (process.getuid?.() !== 0) missing = 'the single-node Slurm cluster needs root'
  else if (
    spawnSync('sh', ['-c', 'command -v sbatch && command -v slurmctld || test -x /usr/sbin/slurmctld'])
      .status !== 0
  )
    missing = 'Slurm is not installed (apt-get install slurm-wlm munge)'
  else {
    const r = spawnSync('bash', [join(REPO, 'resources', 'slurm', 'start.sh')], { encoding: 'utf8' })
    if (r.status !== 0) missing = `resources/slurm/start.sh failed: ${r.stderr.trim()}`
  }
  if (missing && process.env.ACTIVEEM_REQUIRE_SLURM === '1')
    throw new Error(`ACTIVEEM_REQUIRE_SLURM=1 but ${missing}`)
  return missing
}
