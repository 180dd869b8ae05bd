/** Which (source, mutation) pairs a seed picks, the commands each case runs and the Zarr v3 truths. */
import { voxels } from './files.ts'
import type { Box, FuzzCommand, ListedTruth, Source, V3ArrayTruth } from './manifest.ts'
import { MUTATIONS } from './mutations.ts'
import { Rng } from './rng.ts'

export function v3Truths(source: Source): Record<string, V3ArrayTruth> {
  const out: Record<string, V3ArrayTruth> = {}
  for (const [name, a] of Object.entries(source.arrays))
    out[name] = {
      npy: a.truth!,
      view: null,
      byteswap: false,
      shape: [...a.shape],
      dtype: a.dtype,
      fill: a.fill ?? 0,
      fillBoxes: [...(a.missing ?? [])],
      refuseBoxes: [],
      eitherBoxes: [],
      broken: false,
    }
  return out
}

export function regionWithin(rng: Rng, shape: number[], chunks: number[] | undefined): Box {
  const out: number[] = []
  for (let d = 0; d < 3; d++) {
    const n = shape[d]!
    const span = Math.max(1, Math.min(n, rng.int(2, Math.max(2, (chunks?.[d] ?? 8) + 3))))
    const start = rng.int(0, n - span)
    out.push(start, start + span)
  }
  return out as Box
}

export function commandsFor(
  source: Source,
  rng: Rng,
  shapes: Record<string, number[] | undefined>,
  skip: string | null,
): FuzzCommand[] {
  const commands: FuzzCommand[] = [{ kind: 'list', dataset: null }]
  for (const target of source.targets) {
    if (target === skip) continue
    const a = source.arrays[target]!
    // A shape the mutation claims, when it is a usable one; regions stay inside it and inside the source.
    const claimed = shapes[target]
    const whole =
      claimed && claimed.length === 3 && claimed.every((n) => Number.isInteger(n) && n > 0)
        ? claimed
        : a.shape
    const within = whole.map((n, d) => Math.min(n, a.shape[d]!))
    // Sources of 10^12 voxels hold one written chunk at the origin: read across its far corner.
    const region: Box =
      voxels(a.shape) > 1e9 && within.every((n) => n >= 68)
        ? [60, 68, 60, 68, 0, 8]
        : regionWithin(rng, within, a.chunks)
    commands.push({ kind: 'stats', dataset: target })
    commands.push({ kind: 'read', dataset: target, region })
    if (voxels(whole) <= 1 << 18)
      commands.push({ kind: 'read', dataset: target, region: [0, whole[0]!, 0, whole[1]!, 0, whole[2]!] })
  }
  return commands
}

export function v3Listing(
  source: Source,
  v3: Record<string, V3ArrayTruth>,
  renamed: string | null,
): ListedTruth[] {
  return (source.allArrays ?? []).map((name) => {
    const t = v3[name]!
    if (name === renamed) return { name: '', utf8: false, ok: !t.broken, shape: t.shape, dtype: t.dtype }
    return t.broken
      ? { name, utf8: true, ok: false }
      : { name, utf8: true, ok: true, shape: t.shape, dtype: t.dtype }
  })
}

export interface CasePlan {
  source: string
  mutation: string | null
  target: string
}

/** Every (source, mutation) pair the seed picks: each mutation on at most `per` sources that allow it. */
export function planCases(sources: Source[], seed: number): CasePlan[] {
  const plans: CasePlan[] = sources.map((s) => ({ source: s.id, mutation: null, target: s.targets[0]! }))
  for (const [name, m] of Object.entries(MUTATIONS)) {
    const rng = new Rng(seed, `plan:${name}`)
    const fits = sources.flatMap((s) =>
      m.formats.includes(s.format)
        ? s.targets.filter((t) => !m.applies || m.applies(s, t)).map((t) => ({ source: s.id, target: t }))
        : [],
    )
    const chosen: Array<{ source: string; target: string }> = []
    for (const f of rng.shuffle(fits)) {
      if (chosen.length >= m.per) break
      if (chosen.some((c) => c.source === f.source)) continue
      chosen.push(f)
    }
    for (const c of chosen) plans.push({ source: c.source, mutation: name, target: c.target })
  }
  return plans
}

export function caseId(plan: CasePlan): string {
  return plan.mutation ? `${plan.source}~${plan.mutation}` : `${plan.source}~valid`
}

/**
 * A bounded sample for `npm test`: `valid` unmutated sources and `mutated` mutated ones, spread over the
 * three formats, the same for the same seed.
 */
export function sampleCases(plans: CasePlan[], seed: number, valid: number, mutated: number): CasePlan[] {
  const rng = new Rng(seed, 'sample')
  const take = (pool: CasePlan[], n: number): CasePlan[] => {
    const byFormat = new Map<string, CasePlan[]>()
    for (const p of rng.shuffle(pool)) {
      const f = p.source.split('_')[0]!
      byFormat.set(f, [...(byFormat.get(f) ?? []), p])
    }
    const out: CasePlan[] = []
    for (let i = 0; out.length < n && i < pool.length; i++)
      for (const list of byFormat.values()) if (list[i] && out.length < n) out.push(list[i]!)
    return out
  }
  return [
    ...take(
      plans.filter((p) => !p.mutation),
      valid,
    ),
    ...take(
      plans.filter((p) => p.mutation),
      mutated,
    ),
  ]
}
