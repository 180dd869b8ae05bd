import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { InputError } from '../../engine/errors.ts'
import { Project } from '../../engine/store/index.ts'
import { startWebHost } from '../../web/server.ts'
import { options, parse, parseInteger } from '../args.ts'
import { emit } from '../output.ts'

export const usage = 'activeem serve [--project DIR] [--port N] [--max-jobs N] [--max-in-flight N] [--json]'

export const RENDERER_DIR = fileURLToPath(new URL('../../../out/renderer', import.meta.url))

export async function serve(argv: string[]): Promise<void> {
  const { values } = parse('serve', argv, options(['project', 'port', 'max-jobs', 'max-in-flight']), {
    min: 0,
    max: 0,
    usage,
  })
  const port = parseInteger('--port', values.port, 0, 0, 65535)
  const maxJobs =
    values['max-jobs'] !== undefined ? parseInteger('--max-jobs', values['max-jobs'], 8, 1, 256) : undefined
  const maxInFlight = parseInteger('--max-in-flight', values['max-in-flight'], 256, 1, 100_000)
  if (values.project) Project.open(values.project).close() // fail now, not in the browser
  if (!existsSync(RENDERER_DIR))
    throw new InputError(`serve: renderer not built (${RENDERER_DIR}); run 'npm run build' first`)
  let host
  try {
    host = await startWebHost({
      port,
      project: values.project ?? null,
      rendererDir: RENDERER_DIR,
      maxInFlight,
      ...(maxJobs !== undefined ? { maxJobs } : {}),
    })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') throw new InputError(`--port: port ${port} on 127.0.0.1 is already in use`)
    throw e
  }
  emit(
    values.json,
    { url: host.url, port: host.port, token: host.token },
    () => `ActiveEM web host: open ${host.url}\n(Ctrl-C stops it)`,
  )
  const stop = (): void => {
    void host.close().then(() => process.exit(0))
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
