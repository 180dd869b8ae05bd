/**
 * The fuzz corpus: valid HDF5 and Zarr sources (sources.py: h5py, zarr-python, a hand-written Zarr v3
 * encoder; plus one Zarr v3 array written by our own ZarrV3Writer) and mutated copies of them, every one
 * reproducible from a seed. Each case is a folder `cases/<id>/` holding the file or store and a case.json
 * that lists the commands to run and, for Zarr v3 (which zarr-python 2 cannot read), the values a correct
 * reader must return.
 *
 * Usage: generateCorpus({ dir, seed }) or, from the shell, `node --import tsx resources/fuzz/corpus.ts DIR [SEED]`.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeActiveemSource } from './activeem-source.ts'
import { writeJson } from './files.ts'
import type { FuzzCase, Source } from './manifest.ts'
import type { MutationContext } from './mutation-kit.ts'
import { MUTATIONS } from './mutations.ts'
import { caseId, commandsFor, planCases, v3Listing, v3Truths, type CasePlan } from './plan.ts'
import { Rng } from './rng.ts'

export type { Box, Format, FuzzCase, FuzzCommand, ListedTruth, V3ArrayTruth } from './manifest.ts'
export { MUTATIONS } from './mutations.ts'
export { caseId, planCases, sampleCases, type CasePlan } from './plan.ts'
export { Rng } from './rng.ts'

export const FUZZ_DIR = fileURLToPath(new URL('.', import.meta.url))
export const PYTHON = process.env.ACTIVEEM_PYTHON ?? '/usr/bin/python3'
export const DEFAULT_SEED = 20

export interface GenerateOptions {
  dir: string
  seed?: number
  /** Case ids to keep (after planning); all when absent. */
  pick?: (plans: CasePlan[]) => CasePlan[]
}

export interface Corpus {
  dir: string
  seed: number
  cases: FuzzCase[]
}

export async function generateCorpus(options: GenerateOptions): Promise<Corpus> {
  const seed = options.seed ?? DEFAULT_SEED
  const dir = resolve(options.dir)
  const sourcesDir = join(dir, 'sources')
  mkdirSync(sourcesDir, { recursive: true })
  // Plan on the full list of source ids (cheap), then write only the sources the chosen cases need.
  const r = spawnSync(PYTHON, [join(FUZZ_DIR, 'sources.py'), sourcesDir, String(seed)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  if (r.status !== 0) throw new Error(`sources.py failed (${r.status}): ${r.stderr}`)
  const sources = (JSON.parse(r.stdout) as { sources: Source[] }).sources
  sources.push(await writeActiveemSource(sourcesDir, seed))
  const all = planCases(sources, seed)
  const plans = options.pick ? options.pick(all) : all
  const byId = new Map(sources.map((s) => [s.id, s]))
  const cases: FuzzCase[] = []
  for (const plan of plans) {
    const source = byId.get(plan.source)!
    const id = caseId(plan)
    const caseDir = join(dir, 'cases', id)
    rmSync(caseDir, { recursive: true, force: true })
    mkdirSync(caseDir, { recursive: true })
    const data = join(caseDir, source.path)
    cpSync(join(sourcesDir, source.path), data, { recursive: true })
    const rng = new Rng(seed, id)
    const ctx: MutationContext = {
      rng,
      source,
      data,
      target: plan.target,
      v3: source.format === 'zarr3' ? v3Truths(source) : {},
    }
    const detail = plan.mutation ? MUTATIONS[plan.mutation]!.run(ctx) : 'as written'
    const c: FuzzCase = {
      id,
      source: source.id,
      format: source.format,
      mutation: plan.mutation ?? 'valid',
      detail,
      valid: plan.mutation === null,
      data: source.path,
      commands: commandsFor(source, rng, { [plan.target]: ctx.shape }, ctx.renamed ?? null),
    }
    if (source.format === 'zarr3')
      c.v3 = {
        arrays: ctx.v3,
        original: v3Truths(source),
        listing: v3Listing(source, ctx.v3, ctx.renamed ?? null),
        listingEither: !!ctx.listingEither,
      }
    writeJson(join(caseDir, 'case.json'), c)
    cases.push(c)
  }
  writeJson(join(dir, 'corpus.json'), { seed, cases: cases.map((c) => c.id) })
  return { dir, seed, cases }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, seed] = process.argv.slice(2)
  if (!dir) {
    process.stderr.write('usage: node --import tsx resources/fuzz/corpus.ts DIR [SEED]\n')
    process.exit(2)
  }
  const corpus = await generateCorpus({ dir, seed: seed === undefined ? DEFAULT_SEED : Number(seed) })
  const runs = corpus.cases.reduce((n, c) => n + c.commands.length, 0)
  process.stdout.write(`${corpus.cases.length} cases, ${runs} runs, in ${corpus.dir}\n`)
}
