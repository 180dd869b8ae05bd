import { api, ApiRequest, type ApiErrorCode, type ApiResponse } from '../../src-shared/contract.ts'
import { isInputError, messageOf } from '../engine/errors.ts'
import { defaultAnnotator } from '../engine/labels/index.ts'
import { Project } from '../engine/store/index.ts'
import { listArrays, openVolume, readGreySlice } from '../engine/volume/index.ts'
import { APP_VERSION } from '../engine/version.ts'
import { eventHandlers } from './events.ts'
import { exportHandlers } from './export.ts'
import { jobHandlers } from './jobs.ts'
import { labelHandlers } from './labels.ts'
import { levelHandlers } from './levels.ts'
import { maskHandlers } from './masks.ts'
import { pipelineHandlers } from './pipeline.ts'
import { volumeHandlers } from './volumes.ts'
import { ProjectConnections } from './project-connections.ts'
import { roundHandlers } from './rounds.ts'
import type { ApiContext, Handlers, HandlerContext } from './types.ts'
import { uiStateHandlers } from './ui-state.ts'
import { viewHandlers } from './view.ts'

export type { ApiContext } from './types.ts'

const handlers: Handlers = {
  'app.info': async (_params, ctx) => ({
    version: APP_VERSION,
    transport: ctx.transport,
    project: ctx.project,
    annotator: defaultAnnotator(),
  }),

  'project.show': async ({ dir }, ctx) => ctx.projects.use(dir, (project) => project.summary()),

  'volume.list': async ({ path }) => {
    const { format, arrays } = await listArrays(path)
    return { format, datasets: arrays }
  },

  'project.create': async ({ dir, name }) => {
    const project = Project.init(dir, name)
    try {
      return project.summary()
    } finally {
      project.close()
    }
  },

  'project.addVolume': async ({ dir, spec, role, name, voxelSizeNm }, ctx) => {
    const volume = await openVolume(spec)
    try {
      return ctx.projects.use(dir, (project) => project.addVolume(volume, { role, name, voxelSizeNm }))
    } finally {
      volume.close()
    }
  },

  ...viewHandlers,
  ...roundHandlers,
  ...labelHandlers,
  ...maskHandlers,
  ...volumeHandlers,
  ...jobHandlers,
  ...uiStateHandlers,
  ...exportHandlers,
  ...levelHandlers,
  ...pipelineHandlers,
  ...eventHandlers,

  'volume.slice': async ({ spec, z, maxSize }) => {
    const volume = await openVolume(spec)
    try {
      const slice = await readGreySlice(volume, z, maxSize ?? 512)
      return { ...slice, spec: volume.spec, pixels: Buffer.from(slice.pixels).toString('base64') }
    } finally {
      volume.close()
    }
  },
}

function fail(id: number, code: ApiErrorCode, message: string): ApiResponse {
  return { id, ok: false, error: { code, message } }
}

/**
 * The single entry point of both transports. The request and its params are validated against the
 * contract before anything runs; a malformed message gets an error reply and executes nothing.
 */
export async function dispatch(raw: unknown, ctx: ApiContext): Promise<ApiResponse> {
  const request = ApiRequest.safeParse(raw)
  const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id >>> 0 : 0
  if (!request.success)
    return fail(id, 'bad-request', `malformed request: ${request.error.issues[0]?.message ?? 'invalid'}`)
  const { method, params } = request.data
  const parsed = api[method].params.safeParse(params ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return fail(
      id,
      'bad-request',
      `${method}: invalid params${issue ? ` at '${issue.path.join('.')}': ${issue.message}` : ''}`,
    )
  }
  const projects = ctx.projects ?? new ProjectConnections()
  try {
    const handler = handlers[method] as (p: unknown, c: HandlerContext) => Promise<unknown>
    return { id, ok: true, result: await handler(parsed.data, { ...ctx, projects }) }
  } catch (e) {
    return fail(id, isInputError(e) ? 'bad-input' : 'internal', messageOf(e))
  } finally {
    if (projects !== ctx.projects) projects.close()
  }
}
