/**
 * Child process of the commit-window crash test: the web host alone (no renderer), printing
 * `{"port","token"}` as one line once it listens. The parent kills it with SIGKILL.
 * Usage: node --import tsx test/helpers/web-host-child.ts SOME_DIR
 */
import { writeSync } from 'node:fs'
import { startWebHost } from '../../src-main/web/server.ts'

const host = await startWebHost({ rendererDir: process.argv[2]! })
writeSync(1, `${JSON.stringify({ port: host.port, token: host.token })}\n`)
