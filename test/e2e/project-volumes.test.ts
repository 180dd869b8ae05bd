/**
 * End to end: a volume is renamed and removed on the Project screen; before removal the screen names
 * what was made from it, and the project database (not the files) changes.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { Job } from '../../src-main/engine/jobs/index.ts'
import { Project } from '../../src-main/engine/store/index.ts'
import { assertBrowserReady, browserTestContext } from '../helpers/browser.ts'
import { cliJson } from '../helpers/cli.ts'

const { tmp, open } = browserTestContext('activeem-e2e-project-volumes-')

test(
  'Project screen: rename a volume, and remove one after seeing what was made from it',
  { timeout: 120_000 },
  async () => {
    assertBrowserReady()
    const data = join(tmp, 'data')
    const dir = join(tmp, 'project')
    cliJson(['synth', '--out', data, '--shape', '8,64,64', '--seed', '4'])
    cliJson(['project', 'init', dir])
    const raw = cliJson<{ id: number; name: string; source: string }>([
      ...['project', 'import', dir, `${join(data, 'synthetic.h5')}#raw`],
    ])
    cliJson(['project', 'import', dir, `${join(data, 'synthetic.h5')}#labels/mito`, '--role', 'labels'])
    const project = Project.open(dir)
    try {
      Job.startOrResume(project, 'predict', 'k', { raw: raw.source }).finish('done', 'ok')
    } finally {
      project.close()
    }

    const { page, problems } = await open(dir, { width: 1400, height: 900 })
    const rows = page.locator('.volume-row')
    await rows.first().waitFor({ timeout: 20_000 })

    await page.locator(`.volume-row[data-volume="${raw.name}"]`).getByTestId('volume-rename').click()
    const input = page.getByTestId('volume-name-input')
    await input.fill('EM raw')
    await input.press('Enter')
    await page.locator('.volume-row[data-volume="EM raw"]').waitFor({ timeout: 10_000 })

    await page.locator('.volume-row[data-volume="EM raw"]').getByTestId('volume-remove').click()
    const dependents = page.getByTestId('volume-dependents')
    await dependents.waitFor({ timeout: 10_000 })
    assert.equal((await dependents.textContent())?.trim(), 'predict job 1 (done) read it')
    await page.getByTestId('volume-remove-yes').click()
    await page.locator('.volume-row[data-volume="EM raw"]').waitFor({ state: 'detached', timeout: 10_000 })
    assert.equal(await rows.count(), 1)

    const after = Project.openReadOnly(dir)
    try {
      assert.deepEqual(
        after.volumes().map((v) => v.role),
        ['labels'],
      )
    } finally {
      after.close()
    }
    assert.deepEqual(problems, [])
  },
)
