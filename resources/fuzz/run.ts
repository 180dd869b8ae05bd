/**
 * The fuzz runner: every command of every case through the real CLI (`node bin/activeem.mjs`), each a
 * child process with a time limit and its peak RSS measured, the case's files hashed before and after each
 * run, and the result judged against the peer (h5py for HDF5, zarr-python for Zarr v2, the generator's own
 * values for Zarr v3, which zarr-python 2 cannot read):
 *
 *   exit 0 -> the output equals the peer's; exit 2 -> stderr is exactly one line starting `error: `.
 *   Anything else, a run past the time limit or over the RSS limit, or a changed file, is a failure; so is
 *   exit 0 where the peer refuses the file (silent wrong data) and exit 2 on an unmutated source.
 *
 * `npm run fuzz` (this file's main) generates the full corpus in a temporary folder and runs it all;
 * test/resources/fuzz.test.ts runs a seeded sample. Options: --seed N, --jobs N, --out DIR (kept),
 * --only SUBSTRING[,SUBSTRING...] (case ids), --json FILE, --timeout SECONDS.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  caseId,
  DEFAULT_SEED,
  FUZZ_DIR,
  generateCorpus,
  PYTHON,
  type Box,
  type FuzzCase,
  type FuzzCommand,
} from './corpus.ts'

export const REPO = fileURLToPath(new URL('../..', import.meta.url))
export const CLI = join(REPO, 'bin', 'activeem.mjs')
export const TIMEOUT_MS = 20_000
export const RSS_LIMIT_BYTES = 1e9
const TIME = '/usr/bin/time'
const CAPTURE = 1 << 20

export interface RawRun {
  exit: number | null
  signal: string | null
  timedOut: boolean
  overRss: boolean
  /** Peak resident set size in bytes (GNU time's %M, or the last VmHWM polled); null when unknown. */
  peakRss: number | null
  wallMs: number
  stdout: string
  stderr: string
}

interface PeerVerdict {
  index: number
  peer: 'reads' | 'refuses' | 'unaffected' | 'either' | 'unknown'
  equal: boolean | null
  detail: string
}

export interface RunRecord {
  case: string
  source: string
  format: string
  mutation: string
  valid: boolean
  index: number
  kind: FuzzCommand['kind']
  /** The command as run, with the corpus folder shown as $CORPUS. */
  command: string
  exit: number | null
  signal: string | null
  timedOut: boolean
  peakRssMB: number | null
  wallMs: number
  stderrFirst: string
  peer: PeerVerdict['peer']
  detail: string
  category: string
  failure: boolean
  /** Other problems of the same run, after the one that named its category. */
  also: string[]
}

export interface Summary {
  seed: number
  corpus: string
  cases: number
  runs: number
  wallSeconds: number
  counts: Record<string, number>
  failures: RunRecord[]
  unverified: RunRecord[]
  /** Runs that passed but wrote to stderr (exit 0 with warnings, say). */
  stderrOnSuccess: RunRecord[]
  records: RunRecord[]
}

// --------------------------------------------------------------------------------------- one run

function readPeak(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

function childOf(pid: number): number | null {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0]
    return first ? Number(first) : null
  } catch {
    return null
  }
}

/** Runs the CLI with `argv` in its own process group; kills the group past the time or RSS limit. */
export function runCli(
  argv: string[],
  options: { timeoutMs?: number; rssLimit?: number; scratch: string },
): Promise<RawRun> {
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS
  const rssLimit = options.rssLimit ?? RSS_LIMIT_BYTES
  const useTime = existsSync(TIME)
  const rssFile = join(options.scratch, `rss-${process.pid}-${Math.random().toString(36).slice(2)}.txt`)
  const [cmd, args] = useTime
    ? [TIME, ['-f', '%M', '-o', rssFile, process.execPath, CLI, ...argv]]
    : [process.execPath, [CLI, ...argv]]
  const started = Date.now()
  const child = spawn(cmd, args, {
    cwd: REPO,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ACTIVEEM_DEBUG: '' },
  })
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => {
    if (stdout.length < CAPTURE) stdout += d.toString()
  })
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < CAPTURE) stderr += d.toString()
  })
  let timedOut = false
  let overRss = false
  let polled: number | null = null
  const killGroup = (): void => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const poll = setInterval(() => {
    const pid = useTime ? childOf(child.pid!) : child.pid!
    const peak = pid ? readPeak(pid) : null
    if (peak !== null) polled = Math.max(polled ?? 0, peak)
    if (peak !== null && peak > rssLimit) {
      overRss = true
      killGroup()
    }
  }, 25)
  const timer = setTimeout(() => {
    timedOut = true
    killGroup()
  }, timeoutMs)
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      clearInterval(poll)
      clearTimeout(timer)
      let exit = code
      let sig: string | null = signal
      let peakRss = polled
      if (useTime && existsSync(rssFile)) {
        const text = readFileSync(rssFile, 'utf8')
        rmSync(rssFile, { force: true })
        const kb = /(\d+)\s*$/.exec(text.trim())
        if (kb) peakRss = Math.max(peakRss ?? 0, Number(kb[1]) * 1024)
        const bySignal = /terminated by signal (\d+)/.exec(text)
        if (bySignal) {
          exit = null
          sig = `signal ${bySignal[1]}`
        }
      }
      if (timedOut || overRss) {
        exit = null
        sig = 'SIGKILL'
      }
      if (peakRss !== null && peakRss > rssLimit) overRss = true
      done({ exit, signal: sig, timedOut, overRss, peakRss, wallMs: Date.now() - started, stdout, stderr })
    })
  })
}

// --------------------------------------------------------------------------------- file snapshots

/** Every file and folder under `path` (names as bytes: some are not UTF-8): type, size, mtime, sha256. */
export function snapshot(path: string): Map<string, string> {
  const out = new Map<string, string>()
  const root = Buffer.from(path)
  const visit = (p: Buffer, rel: string): void => {
    const st = lstatSync(p)
    if (st.isDirectory()) {
      out.set(rel, `dir ${st.mode}`)
      for (const name of (readdirSync(p, { encoding: 'buffer' }) as Buffer[]).sort(Buffer.compare))
        visit(Buffer.concat([p, Buffer.from('/'), name]), `${rel}/${name.toString('latin1')}`)
    } else if (st.isFile()) {
      const hash = createHash('sha256').update(readFileSync(p)).digest('hex')
      out.set(rel, `file ${st.size} ${st.mtimeMs} ${st.mode} ${hash}`)
    } else out.set(rel, `other ${st.mode}`)
  }
  visit(root, '.')
  return out
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = []
  for (const [k, v] of before) {
    if (!after.has(k)) out.push(`${k} removed`)
    else if (after.get(k) !== v) out.push(`${k} changed`)
  }
  for (const k of after.keys()) if (!before.has(k)) out.push(`${k} created`)
  return out
}

// ------------------------------------------------------------------------------------------ peer

function runPeer(job: object, jobFile: string, count: number): Promise<PeerVerdict[]> {
  writeFileSync(jobFile, JSON.stringify(job))
  const verdicts: PeerVerdict[] = []
  const once = (start: number): Promise<{ code: number | null; stderr: string }> =>
    new Promise((done) => {
      const child = spawn(PYTHON, [join(FUZZ_DIR, 'peer.py'), jobFile, String(start)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      let err = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (err += d.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000 * (count - start) + 30_000)
      child.on('close', (code) => {
        clearTimeout(timer)
        for (const line of out.split('\n')) if (line.trim()) verdicts.push(JSON.parse(line) as PeerVerdict)
        done({ code, stderr: err })
      })
    })
  return (async () => {
    let start = 0
    while (start < count) {
      const r = await once(start)
      const next = verdicts.length === 0 ? 0 : verdicts.at(-1)!.index + 1
      if (next >= count) break
      if (r.code === 0 && next === start)
        throw new Error(`peer.py printed nothing from ${start}: ${r.stderr}`)
      if (r.code !== 0) {
        // The peer itself crashed on this command (libhdf5 on a corrupt file can): no verdict from it.
        const last = r.stderr.trim().split('\n').at(-1) ?? ''
        verdicts.push({
          index: next,
          peer: 'unknown',
          equal: null,
          detail: `peer crashed (${r.code}): ${last}`,
        })
        start = next + 1
      } else start = next
    }
    return verdicts
  })()
}

// ----------------------------------------------------------------------------------------- judge

const regionText = (b: Box): string => `${b[0]}:${b[1]},${b[2]}:${b[3]},${b[4]}:${b[5]}`

export function argvFor(data: string, cmd: FuzzCommand, npy: string | null): string[] {
  const spec = cmd.dataset ? `${data}#${cmd.dataset}` : data
  if (cmd.kind === 'list') return ['info', data, '--json']
  if (cmd.kind === 'stats') return ['info', spec, '--stats', '--json']
  return ['read', spec, '--region', regionText(cmd.region!), '--out', npy!, '--json']
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function stderrLines(text: string): string[] {
  return text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1)
}

/** One category per run; the first problem in this order names it, the rest go to `also`. */
function judge(c: FuzzCase, r: RawRun, v: PeerVerdict, changed: string[], leftOutput: boolean) {
  const problems: string[] = []
  const v3 = c.format === 'zarr3'
  const peerName = v3 ? 'the written values' : 'the peer'
  if (r.timedOut) problems.push(`FAIL: ran past ${TIMEOUT_MS / 1000} s`)
  if (r.overRss) problems.push(`FAIL: peak RSS over ${RSS_LIMIT_BYTES / 1e9} GB`)
  if (!r.timedOut && !r.overRss && r.exit !== 0 && r.exit !== 2)
    problems.push(r.exit === null ? `FAIL: killed by ${r.signal}` : `FAIL: exit ${r.exit}`)
  if (changed.length) problems.push('FAIL: the case files changed')
  // A bug in the judge must not pass for "the peer cannot check".
  if (v.detail.startsWith('judge error') || v.detail === 'no verdict')
    problems.push('FAIL: the judge (peer.py) itself failed')
  if (r.exit === 2) {
    const lines = stderrLines(r.stderr)
    if (lines.length !== 1 || !lines[0]!.startsWith('error: '))
      problems.push('FAIL: exit 2 without exactly one `error:` line on stderr')
    if (leftOutput) problems.push('FAIL: exit 2 left an output file')
    if (c.valid && (v.peer === 'reads' || v.peer === 'either'))
      problems.push(`FAIL: exit 2 on a valid source ${v3 ? 'whose values are known' : 'the peer reads'}`)
  }
  if (r.exit === 0) {
    const lines = r.stdout.trim().split('\n')
    let json = true
    try {
      if (lines.length !== 1) throw new Error()
      JSON.parse(lines[0]!)
    } catch {
      json = false
      problems.push('FAIL: exit 0 but stdout is not one JSON line')
    }
    if (json && v.peer === 'refuses')
      problems.push(
        v3
          ? 'FAIL: silent wrong data (exit 0 on damage no reader can read through)'
          : 'FAIL: silent wrong data (exit 0, the peer refuses)',
      )
    if (json && (v.peer === 'reads' || v.peer === 'either') && v.equal === false)
      problems.push(`FAIL: exit 0 with values that differ from ${peerName}`)
  }
  if (problems.length) return { category: problems[0]!, failure: true, also: problems.slice(1) }
  const tag = v3 ? 'ok (v3, no peer)' : 'ok'
  if (r.exit === 0) {
    if (v.peer === 'unknown')
      return { category: 'unverified: exit 0, the peer cannot check', failure: false, also: [] }
    if (v.peer === 'unaffected')
      return {
        category: `${tag}: exit 0 ${v3 ? 'on damage' : 'where the peer refuses the mutated file'}, values equal to the unmutated source`,
        failure: false,
        also: [],
      }
    return { category: `${tag}: exit 0, equal to ${peerName}`, failure: false, also: [] }
  }
  if (v.peer === 'refuses' || v.peer === 'unaffected')
    return {
      category: `${tag}: exit 2, ${v3 ? 'damaged or invalid' : 'the peer refuses too'}`,
      failure: false,
      also: [],
    }
  if (v.peer === 'either')
    return { category: `${tag}: exit 2 on damage a reader may forgive`, failure: false, also: [] }
  if (v.peer === 'unknown') return { category: 'ok: exit 2, the peer cannot check', failure: false, also: [] }
  return {
    category: `${tag}: exit 2 on a mutated file ${v3 ? 'whose values are known' : 'the peer reads'}`,
    failure: false,
    also: [],
  }
}

// ------------------------------------------------------------------------------------------ cases

export async function runCase(
  corpusDir: string,
  c: FuzzCase,
  options: { timeoutMs?: number; keepOutputs?: boolean } = {},
): Promise<RunRecord[]> {
  const data = join(corpusDir, 'cases', c.id, c.data)
  const outDir = join(corpusDir, 'outputs', c.id)
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  let before = snapshot(data)
  const raws: Array<{ raw: RawRun; changed: string[]; npy: string | null; argv: string[] }> = []
  for (const [i, cmd] of c.commands.entries()) {
    const npy = cmd.kind === 'read' ? join(outDir, `${i}.npy`) : null
    const argv = argvFor(data, cmd, npy)
    const raw = await runCli(argv, { timeoutMs: options.timeoutMs, scratch: outDir })
    const after = snapshot(data)
    raws.push({ raw, changed: changes(before, after), npy, argv })
    before = after
  }
  const job = {
    format: c.format,
    data,
    valid: c.valid,
    source: join(corpusDir, 'sources', c.data),
    sources: join(corpusDir, 'sources'),
    v3: c.v3 ?? null,
    commands: c.commands.map((cmd, index) => {
      const { raw, npy } = raws[index]!
      const stdout = raw.exit === 0 ? parseJson(raw.stdout.trim()) : null
      return {
        index,
        kind: cmd.kind,
        dataset: cmd.dataset,
        region: cmd.region ?? null,
        exit: raw.exit,
        stdout,
        npy,
      }
    }),
  }
  const verdicts = await runPeer(job, join(outDir, 'peer-job.json'), c.commands.length)
  const records = c.commands.map((cmd, index): RunRecord => {
    const { raw, changed, npy, argv } = raws[index]!
    const v = verdicts.find((x) => x.index === index) ?? {
      index,
      peer: 'unknown' as const,
      equal: null,
      detail: 'no verdict',
    }
    const leftOutput = npy !== null && raw.exit !== 0 && (existsSync(npy) || existsSync(`${npy}.partial`))
    const j = judge(c, raw, v, changed, leftOutput)
    return {
      case: c.id,
      source: c.source,
      format: c.format,
      mutation: c.mutation,
      valid: c.valid,
      index,
      kind: cmd.kind,
      command: ['activeem', ...argv].join(' ').split(corpusDir).join('$CORPUS'),
      exit: raw.exit,
      signal: raw.signal,
      timedOut: raw.timedOut,
      peakRssMB: raw.peakRss === null ? null : Math.round(raw.peakRss / 1e6),
      wallMs: raw.wallMs,
      stderrFirst: (stderrLines(raw.stderr)[0] ?? '').split(corpusDir).join('$CORPUS').slice(0, 400),
      peer: v.peer,
      detail: [v.detail, changed.length ? `changed: ${changed.slice(0, 5).join(', ')}` : '']
        .filter(Boolean)
        .join('; '),
      ...j,
    }
  })
  if (!options.keepOutputs) rmSync(outDir, { recursive: true, force: true })
  return records
}

export interface RunOptions {
  jobs?: number
  timeoutMs?: number
  keepOutputs?: boolean
  onCase?: (records: RunRecord[], done: number, total: number) => void
}

export async function runCorpus(
  corpusDir: string,
  cases: FuzzCase[],
  options: RunOptions = {},
): Promise<Summary> {
  const started = Date.now()
  const jobs = Math.max(1, options.jobs ?? Math.max(1, availableParallelism()))
  const records: RunRecord[][] = new Array(cases.length)
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const i = next++
      records[i] = await runCase(corpusDir, cases[i]!, options)
      options.onCase?.(records[i]!, ++done, cases.length)
    }
  }
  await Promise.all(Array.from({ length: Math.min(jobs, cases.length) }, worker))
  const flat = records.flat()
  const counts: Record<string, number> = {}
  for (const r of flat) counts[r.category] = (counts[r.category] ?? 0) + 1
  const seed = (JSON.parse(readFileSync(join(corpusDir, 'corpus.json'), 'utf8')) as { seed: number }).seed
  return {
    seed,
    corpus: corpusDir,
    cases: cases.length,
    runs: flat.length,
    wallSeconds: Math.round((Date.now() - started) / 1000),
    counts,
    failures: flat.filter((r) => r.failure),
    unverified: flat.filter((r) => r.category.startsWith('unverified')),
    stderrOnSuccess: flat.filter((r) => !r.failure && r.exit === 0 && r.stderrFirst !== ''),
    records: flat,
  }
}

export function formatSummary(s: Summary): string {
  const lines = [`fuzz: ${s.cases} cases, ${s.runs} runs, seed ${s.seed}, ${s.wallSeconds} s`]
  const entries = Object.entries(s.counts).sort(
    (a, b) => Number(a[0].startsWith('FAIL')) - Number(b[0].startsWith('FAIL')) || b[1] - a[1],
  )
  for (const [k, n] of entries) lines.push(`  ${String(n).padStart(5)}  ${k}`)
  const failed = s.failures.length
  lines.push(`failures: ${failed} runs in ${new Set(s.failures.map((r) => r.case)).size} cases`)
  const show = (r: RunRecord): string =>
    [
      `  ${r.case} [${r.kind}] exit ${r.exit ?? r.signal}${r.timedOut ? ' (timeout)' : ''}, ${r.peakRssMB ?? '?'} MB, ${r.wallMs} ms`,
      `      ${r.command}`,
      `      ${r.category}${r.also.length ? ` (also: ${r.also.join('; ')})` : ''}`,
      `      stderr: ${r.stderrFirst || '(empty)'}`,
      ...(r.detail ? [`      peer (${r.peer}): ${r.detail}`] : [`      peer: ${r.peer}`]),
    ].join('\n')
  for (const r of s.failures) lines.push(show(r))
  if (s.unverified.length) {
    lines.push(`unverified (exit 0, the peer could not check): ${s.unverified.length}`)
    for (const r of s.unverified) lines.push(show(r))
  }
  if (s.stderrOnSuccess.length) {
    lines.push(`passed but wrote to stderr: ${s.stderrOnSuccess.length}`)
    for (const r of s.stderrOnSuccess) lines.push(`  ${r.case} [${r.kind}]: ${r.stderrFirst}`)
  }
  return lines.join('\n')
}

// ------------------------------------------------------------------------------------------- main

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

async function main(args: string[]): Promise<void> {
  const seed = Number(option(args, '--seed') ?? DEFAULT_SEED)
  const jobs = Number(option(args, '--jobs') ?? availableParallelism())
  const timeout = Number(option(args, '--timeout') ?? TIMEOUT_MS / 1000)
  const only = option(args, '--only')
  const keep = option(args, '--out')
  const dir = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'activeem-fuzz-'))
  process.stderr.write(`generating the corpus (seed ${seed}) in ${dir}\n`)
  const corpus = await generateCorpus({
    dir,
    seed,
    pick: only
      ? (plans) => plans.filter((p) => only.split(',').some((o) => caseId(p).includes(o)))
      : undefined,
  })
  const runs = corpus.cases.reduce((n, c) => n + c.commands.length, 0)
  process.stderr.write(`${corpus.cases.length} cases, ${runs} runs, ${jobs} at a time\n`)
  const summary = await runCorpus(dir, corpus.cases, {
    jobs,
    timeoutMs: timeout * 1000,
    keepOutputs: !!keep,
    onCase: (records, done, total) => {
      const bad = records.filter((r) => r.failure).length
      process.stderr.write(`[${done}/${total}] ${records[0]?.case ?? ''}${bad ? `  ${bad} FAILED` : ''}\n`)
    },
  })
  const text = formatSummary(summary)
  const jsonFile = option(args, '--json') ?? join(dir, 'summary.json')
  writeFileSync(jsonFile, JSON.stringify(summary, null, 2))
  writeFileSync(join(dir, 'summary.txt'), `${text}\n`)
  if (!keep)
    for (const sub of ['cases', 'outputs', 'sources'])
      rmSync(join(dir, sub), { recursive: true, force: true })
  process.stdout.write(`${text}\nsummary: ${jsonFile} and ${join(dir, 'summary.txt')}\n`)
  process.exitCode = summary.failures.length ? 1 : 0
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  await main(process.argv.slice(2))
