// Workers start from plain JS: register tsx so the TypeScript worker loads as the CLI does.
import { register } from 'tsx/esm/api'

register()
await import('./worker.ts')
