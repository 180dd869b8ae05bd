/**
 * One owner per database table (issue 21): only the files that own a table write SQL naming it, so a
 * change to a table's columns or meaning is made, and reviewed, in one place. Everyone else calls the
 * owner's functions. The migrations create every table and are exempt.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { test } from 'node:test'
import ts from 'typescript'
import { MIGRATIONS } from '../../src-main/engine/store/index.ts'
import { REPO } from '../helpers/cli.ts'

const OWNERS: Record<string, string[]> = {
  project: ['src-main/engine/store/project.ts'],
  volumes: ['src-main/engine/store/project.ts'],
  // The jobs stage (the runner, a launch's rows, the list, the history), file by file: one more file
  // writing SQL against the jobs is a choice made here.
  jobs: [
    'src-main/engine/jobs/jobs.ts',
    'src-main/engine/jobs/launch-rows.ts',
    'src-main/engine/jobs/list.ts',
    'src-main/engine/jobs/history.ts',
  ],
  job_events: [
    'src-main/engine/jobs/jobs.ts',
    'src-main/engine/jobs/launch-rows.ts',
    'src-main/engine/jobs/list.ts',
  ],
  job_chunks: ['src-main/engine/jobs/jobs.ts'],
  job_points: ['src-main/engine/jobs/series.ts'],
  models: ['src-main/engine/model/registry.ts'],
  proposal_sets: ['src-main/engine/proposals/rois.ts'],
  rois: ['src-main/engine/proposals/rois.ts'],
  rounds: ['src-main/engine/suggest/rounds.ts'],
  queries: ['src-main/engine/suggest/rounds.ts'],
  roi_clusters: ['src-main/engine/suggest/rounds.ts'],
  labels: ['src-main/engine/labels/store.ts'],
  roi_masks: ['src-main/engine/labels/masks.ts'],
  campaign: ['src-main/engine/campaign/state.ts'],
  campaign_steps: ['src-main/engine/campaign/state.ts'],
  volume_levels: ['src-main/engine/pyramid/registry.ts'],
}

/** Statements that are not ours to route through an owner, each with the reason. */
const ELSEWHERE: ReadonlyArray<{ file: string; statement: string; why: string }> = [
  {
    file: 'src-main/cli/bench/labels.ts',
    statement: 'INSERT INTO labels (set_id, roi_id, annotator, value, at)',
    why: "the Python peer's own INSERT, the work the bench times ours against",
  },
]

const EXEMPT = new Set(['src-main/engine/store/migrations.ts'])

// Uppercase only, as our SQL is written: prose in a message ("nothing from labels") is not SQL.
const NAME = String.raw`[A-Za-z_]\w*(?:\s+(?:AS\s+)?[a-z_]\w*)?`
const CLAUSE = new RegExp(
  String.raw`\b(?:FROM|JOIN|INTO|UPDATE(?:\s+OR\s+[A-Z]+)?|TABLE(?:\s+IF\s+NOT\s+EXISTS)?)\s+(${NAME}(?:\s*,\s*${NAME})*)`,
  'g',
)

/** The tables a piece of SQL names after FROM, JOIN, INTO, UPDATE or TABLE (comma joins included). */
function tablesNamed(sql: string): string[] {
  return [...sql.matchAll(CLAUSE)].flatMap((m) => m[1]!.split(',').map((t) => t.trim().split(/\s+/)[0]!))
}

/** The text of every string and template literal in a TypeScript source; comments are not SQL. */
function literals(file: string, text: string): string[] {
  const out: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text)
    // A substitution stands where a value would.
    else if (ts.isTemplateExpression(node))
      out.push([node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ? '))
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true))
  return out
}

/** Each table a file names in SQL without owning it, once per file. */
function violations(
  sources: ReadonlyArray<{ file: string; text: string }>,
): Array<{ file: string; table: string }> {
  return sources.flatMap(({ file, text }) => {
    if (EXEMPT.has(file)) return []
    const peer = (sql: string): boolean => ELSEWHERE.some((e) => e.file === file && sql.includes(e.statement))
    const named = new Set(
      literals(file, text)
        .filter((sql) => !peer(sql))
        .flatMap(tablesNamed),
    )
    return [...named]
      .filter((table) => OWNERS[table] && !OWNERS[table].includes(file))
      .map((table) => ({ file, table }))
  })
}

function sourcesUnder(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourcesUnder(path)
    if (!name.endsWith('.ts')) return []
    return [{ file: relative(REPO, path).split(sep).join('/'), text: readFileSync(path, 'utf8') }]
  })
}

test('every table the migrations create has an owner, and each owner writes SQL naming it', () => {
  const created = MIGRATIONS.flatMap((m) => [...m.sql.matchAll(/CREATE TABLE (\w+)/g)].map((c) => c[1]!))
  assert.deepEqual(Object.keys(OWNERS).sort(), [...new Set(created)].sort())
  for (const [table, files] of Object.entries(OWNERS))
    for (const file of files) {
      const text = readFileSync(join(REPO, file), 'utf8')
      assert.ok(
        literals(file, text).flatMap(tablesNamed).includes(table),
        `${file} owns ${table} but names it nowhere`,
      )
    }
})

test('no module writes SQL against a table it does not own', () => {
  const sources = sourcesUnder(join(REPO, 'src-main'))
  assert.ok(sources.length > 200, `read ${sources.length} files`)
  const found = violations(sources).map(
    (v) => `${v.file}: ${v.table} (owned by ${OWNERS[v.table]!.join(', ')})`,
  )
  assert.deepEqual(
    found,
    [],
    `SQL outside the table's owner; call the owner's functions instead:\n${found.join('\n')}`,
  )
})

test('the check finds SQL against a table in a module that does not own it, and only SQL', () => {
  const check = (file: string, text: string): string[] => violations([{ file, text }]).map((v) => v.table)
  assert.deepEqual(check('src-main/api/zz.ts', "db.prepare('SELECT id FROM rounds WHERE set_id = ?')"), [
    'rounds',
  ])
  assert.deepEqual(check('src-main/engine/zz.ts', 'db.prepare(`DELETE FROM labels WHERE id = ${id}`)'), [
    'labels',
  ])
  assert.deepEqual(
    check('src-main/engine/zz.ts', "q('SELECT 1 FROM rois r, queries AS q JOIN campaign c ON 1')"),
    ['rois', 'queries', 'campaign'],
    'comma joins and JOINs',
  )
  assert.deepEqual(check('src-main/cli/zz.ts', "q('INSERT OR IGNORE INTO job_chunks VALUES (?, ?)')"), [
    'job_chunks',
  ])
  assert.deepEqual(check('src-main/engine/suggest/rounds.ts', "q('SELECT id FROM rounds')"), [], 'the owner')
  const bench = 'src-main/cli/bench/labels.ts'
  assert.deepEqual(check(bench, `py = '${ELSEWHERE[0]!.statement} VALUES (1, ?, ?, ?, ?)'`), [], 'the peer')
  assert.deepEqual(check(bench, "q('SELECT COUNT(*) FROM labels')"), ['labels'], 'the peer only')
  assert.deepEqual(
    check('src-main/api/zz.ts', "// SELECT id FROM rounds\nthrow new Error('nothing from labels')"),
    [],
    'a comment and prose',
  )
})
