import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { InputError } from '../../engine/errors.ts'
import { openBenchPage } from './bench-page.ts'
import { Project } from '../../engine/store/index.ts'
import { generateSynthetic, writeSynthetic } from '../../engine/synth/index.ts'
import { openVolume } from '../../engine/volume/index.ts'
import { gridPrerequisiteMissing } from './grid.ts'

export const PIPELINE_BENCH = 'pipeline-cards'
const RUNS = 3

/** The page's DOM as the in-page checks read it (the node tsconfig has no DOM lib). */
interface PageGlobals {
  document: {
    querySelectorAll(selector: string): { length: number }
    querySelector(selector: string): { textContent: string | null } | null
  }
}

async function cardsShown(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-testid^="pipeline-state-"]')
        .length === 10,
    undefined,
    { timeout: 30_000 },
  )
}

/** Until the train card shows a phase its job's own process wrote (not the host's 'starting'). */
async function phaseShown(page: Page): Promise<string> {
  const handle = await page.waitForFunction(
    () => {
      const text =
        (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="pipeline-phase-train"]')
          ?.textContent ?? ''
      return /job \d+: /.test(text) && !/: starting/.test(text) ? text : null
    },
    undefined,
    { timeout: 30_000, polling: 20 },
  )
  return (await handle.jsonValue()) as string
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const round2 = (x: number): number => Math.round(x * 100) / 100

/**
 * The Project screen's guided pipeline in headless Chromium (software rendering) on a small synthetic
 * project: how long until its ten cards show after the page opens and after switching back to the
 * screen, and how long from a train card's Run until the card shows the phase the job's process wrote
 * itself (its first progress event), three Runs.
 */
export async function benchPipeline(): Promise<Array<{ name: string; [key: string]: unknown }>> {
  const missing = gridPrerequisiteMissing()
  if (missing) throw new InputError(`bench: ${missing}`)
  const tmp = mkdtempSync(join(tmpdir(), 'activeem-bench-pipeline-'))
  try {
    const synth = await writeSynthetic(
      generateSynthetic({ shape: [16, 96, 96], seed: 1 }),
      join(tmp, 'data'),
      {
        seed: 1,
      },
    )
    const dir = join(tmp, 'project')
    const project = Project.init(dir)
    try {
      for (const [spec, role] of [
        [`${synth.hdf5}#raw`, 'raw'],
        [`${synth.hdf5}#labels/mito`, 'labels'],
      ] as const) {
        const volume = await openVolume(spec)
        try {
          project.addVolume(volume, { role })
        } finally {
          volume.close()
        }
      }
    } finally {
      project.close()
    }
    const session = await openBenchPage(tmp, dir)
    try {
      const page = session.page
      let t = performance.now()
      await page.goto(session.url)
      await cardsShown(page)
      const openS = (performance.now() - t) / 1000
      const switchS: number[] = []
      const phaseS: number[] = []
      const phases: string[] = []
      for (let run = 0; run < RUNS; run++) {
        await page.getByTestId('tab-jobs').click()
        await page.getByTestId('jobs').waitFor()
        t = performance.now()
        await page.getByTestId('tab-project').click()
        await cardsShown(page)
        switchS.push((performance.now() - t) / 1000)
        await page.getByTestId('pf-train-iterations').fill('2')
        await page.getByTestId('pf-train-name').fill(`bench${run}`)
        await page.getByTestId('pipeline-advanced-train').fill('--width 4 --depth 2 --window 4,32,32')
        t = performance.now()
        await page.getByTestId('pipeline-run-train').click()
        phases.push(await phaseShown(page))
        phaseS.push((performance.now() - t) / 1000)
        await page.waitForFunction(
          () =>
            (globalThis as unknown as PageGlobals).document.querySelectorAll(
              '[data-testid="pipeline-state-train"][data-state="done"]',
            ).length === 1,
          undefined,
          { timeout: 120_000 },
        )
      }
      return [
        {
          name: PIPELINE_BENCH,
          cards_open_s: round2(openS),
          cards_switch_s_median: round2(median(switchS)),
          cards_switch_s_max: round2(Math.max(...switchS)),
          first_phase_s_median: round2(median(phaseS)),
          first_phase_s_max: round2(Math.max(...phaseS)),
          first_phase_s: phaseS.map(round2),
          first_phase: phases[0]!.trim(),
          target_s: 2,
          browser: 'chromium headless, software rendering (SwiftShader GL)',
        },
      ]
    } finally {
      await session.close()
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
