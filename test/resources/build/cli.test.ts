import assert from 'node:assert/strict'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO, runCli } from '../../helpers/cli.ts'
import { scopedTempDir } from '../../helpers/peers.ts'

const BUILT = join(REPO, 'out', 'cli')
const tmp = scopedTempDir('build-cli')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : [join(dir, e.name)],
  )
}

test('npm run build writes the CLI as JavaScript, one file per source, newer than every source', () => {
  assert.ok(existsSync(join(BUILT, 'BUILT')), 'out/cli/ is missing: run `npm run build` first')
  const stamp = statSync(join(BUILT, 'BUILT')).mtimeMs
  const ts = ['src-main', 'src-shared']
    .flatMap((d) => sources(join(REPO, d)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.includes(join('src-main', 'electron')))
  for (const f of ts) {
    const js = join(BUILT, f.slice(REPO.length).replace(/\.ts$/, '.js'))
    assert.ok(existsSync(js), `${js} not built`)
    assert.ok(statSync(f).mtimeMs <= stamp, `${f} is newer than the build`)
  }
})

test('the built CLI and the TypeScript sources answer alike: listing, stats, a read, bad input', () => {
  const data = tmp.dir
  const synth = runCli(['synth', '--out', data, '--shape', '8,32,32', '--seed', '2'])
  assert.equal(synth.code, 0, synth.stderr)
  const h5 = join(
    data,
    readdirSync(data).find((f) => f.endsWith('.h5'))!,
  )
  const cases = [
    ['--version'],
    ['info', h5, '--json'],
    ['info', `${h5}#raw`, '--stats', '--json'],
    ['read', `${h5}#raw`, '--region', '2:3,4:6,0:8'],
    ['info', join(REPO, 'package.json')],
    ['bogus'],
  ]
  for (const args of cases) {
    const built = runCli(args)
    const source = runCli(args, { env: { ACTIVEEM_FROM_SOURCE: '1' } })
    assert.deepEqual(
      { code: built.code, stdout: built.stdout, stderr: built.stderr },
      { code: source.code, stdout: source.stdout, stderr: source.stderr },
      args.join(' '),
    )
  }
})
