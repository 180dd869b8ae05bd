#!/usr/bin/env node
// The CLI runs the TypeScript sources through tsx's loader, so `npx activeem` works right after `npm ci`.
import { register } from 'tsx/esm/api'

register()
await import('../src-main/cli/main.ts')
