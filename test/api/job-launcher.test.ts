import assert from 'node:assert/strict'
import { test } from 'node:test'
import { repoRoot, validateLaunch } from '../../src-main/api/job-launcher.ts'
import { InputError } from '../../src-main/engine/errors.ts'
import { REPO } from '../helpers/cli.ts'

test('launch arguments: a known kind; the project, JSON output and help are the window’s to set', () => {
  assert.equal(repoRoot(), REPO.replace(/\/$/, ''))
  validateLaunch('train', ['--iterations', '10'])
  const refused = (kind: string, args: string[], message: RegExp): void =>
    assert.throws(
      () => validateLaunch(kind, args),
      (e: unknown) => e instanceof InputError && message.test(e.message),
    )
  refused(
    'simulate',
    [],
    /unknown job kind 'simulate', expected one of train, predict, proposals, embed, suggest, finetune, round, pyramid$/,
  )
  refused('train', ['--project', '/x'], /'--project' is set by the window/)
  refused('train', ['--project=/x'], /'--project' is set by the window/)
  refused('suggest', ['--json'], /'--json' is set by the window/)
  refused('suggest', ['-h'], /'-h' is set by the window/)
})
