#!/usr/bin/env node
// The CLI runs the JavaScript `npm run build` (and `npm ci`) wrote to out/cli/, which starts in a
// fraction of the time; where a source is newer than that build, or there is none, it runs the
// TypeScript sources through tsx's loader, so an edit never runs stale code.
import { readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function newestSource(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    const t = entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs
    if (t > newest) newest = t
  }
  return newest
}

function builtIsFresh() {
  try {
    const built = statSync(`${root}out/cli/BUILT`).mtimeMs
    return ['src-main', 'src-shared'].every((dir) => newestSource(`${root}${dir}`) <= built)
  } catch {
    return false
  }
}

if (process.env.ACTIVEEM_FROM_SOURCE !== '1' && builtIsFresh()) {
  await import('../out/cli/src-main/cli/main.js')
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('../src-main/cli/main.ts')
}
