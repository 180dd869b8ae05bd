import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli } from '../helpers/cli.ts'

/** Every flag a text names: `--voxel-size`, `--N`; a bare `--` (the command separator) is not one. */
function flagsIn(text: string): Set<string> {
  return new Set([...text.matchAll(/--([A-Za-z][\w-]*)/g)].map((m) => m[1]!))
}

/** `--help` of a command: its usage lines and, for a leaf, the flags its parser takes. */
function help(args: string[]): { usage: string; parser: Set<string> | null } {
  const r = runCli([...args, '--help'])
  assert.equal(r.code, 0, `${args.join(' ')} --help: ${r.stderr}`)
  const flags = /^flags: (.*)$/m.exec(r.stdout)
  const usage = r.stdout.slice(r.stdout.indexOf('usage: '), flags ? flags.index : undefined)
  assert.ok(usage.startsWith('usage: activeem '), `${args.join(' ')}: ${r.stdout}`)
  return { usage, parser: flags ? flagsIn(flags[1]!) : null }
}

test("every command's --help names exactly the flags its parser takes", () => {
  const top = runCli(['--help']).stdout
  const commands = top
    .slice(top.indexOf('commands:'))
    .split('\n')
    .slice(1)
    .map((l) => /^ {2}([a-z-]+) /.exec(l)?.[1])
    .filter((c): c is string => c !== undefined)
  assert.ok(commands.length >= 20, top)
  let leaves = 0
  for (const command of commands) {
    const { usage, parser } = help([command])
    // A command with subcommands lists them; each one is then asked on its own.
    const subs = parser
      ? [[command]]
      : [...usage.matchAll(new RegExp(`activeem ${command} ([a-z]+)`, 'g'))].map((m) => [command, m[1]!])
    assert.ok(subs.length > 0, `${command}: no flags and no subcommands in ${usage}`)
    for (const args of subs) {
      const own = parser && args.length === 1 ? { usage, parser } : help(args)
      assert.ok(own.parser, `${args.join(' ')}: no flags line`)
      // --json and --help go with every command; the rest must match both ways.
      const said = flagsIn(own.usage)
      for (const universal of ['json', 'help']) {
        said.delete(universal)
        own.parser.delete(universal)
      }
      assert.deepEqual([...said].sort(), [...own.parser].sort(), `${args.join(' ')}: usage vs parser`)
      leaves++
    }
  }
  assert.ok(leaves >= 24, `${leaves} commands checked`)
})

test('--help does no work: it needs none of the required flags and exits 0', () => {
  for (const args of [['train'], ['cluster'], ['project', 'import'], ['export']]) {
    const r = runCli([...args, '--help'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
  }
})
