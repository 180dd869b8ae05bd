import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * How a task starts this same ActiveEM: this Node and bin/activeem.mjs, found upwards from this module
 * (src-main/ under tsx, out/cli/ when built). On a cluster both must lie on a path every node sees, as
 * the checkout and its node_modules do on a shared home or project filesystem.
 */
export function activeemCommand(from = dirname(fileURLToPath(import.meta.url))): string[] {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    const bin = join(dir, 'bin', 'activeem.mjs')
    if (existsSync(bin)) return [process.execPath, bin]
  }
  throw new Error(`bin/activeem.mjs not found above ${from}`)
}
