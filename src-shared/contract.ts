/**
 * The one API between the engine (main process or web host) and the renderer. Every message crossing
 * a transport is validated against these schemas on the receiving side: a malformed message is
 * rejected with an error reply and never executed.
 */
import { z } from 'zod'

const int = z.number().int()
const shape3 = z.tuple([int.positive(), int.positive(), int.positive()])

export const VolumeRole = z.enum(['raw', 'labels', 'prediction'])
export type VolumeRole = z.infer<typeof VolumeRole>

/** `stack`: a folder of PNG/TIFF slices; `tiff`: one multi-page TIFF. */
export const VolumeFormat = z.enum(['hdf5', 'zarr', 'stack', 'tiff'])
export type VolumeFormat = z.infer<typeof VolumeFormat>

export const ArrayInfo = z.object({
  name: z.string(),
  shape: z.array(int.nonnegative()),
  dtype: z.string(),
  chunks: z.array(int.positive()).nullable(),
  compression: z.string().nullable(),
})
export type ArrayInfo = z.infer<typeof ArrayInfo>

export const VolumeRecord = z.object({
  id: int.positive(),
  name: z.string(),
  source: z.string(),
  format: VolumeFormat,
  shape: shape3,
  dtype: z.string(),
  chunks: z.array(int.positive()).nullable(),
  role: VolumeRole,
  voxelSizeNm: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).nullable(),
  addedAt: z.string(),
})
export type VolumeRecord = z.infer<typeof VolumeRecord>

export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled'])
export const JobRecord = z.object({
  id: int.positive(),
  kind: z.string(),
  state: JobState,
  progress: z.number().min(0).max(1),
  message: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
})
export type JobRecord = z.infer<typeof JobRecord>

export const ProjectSummary = z.object({
  dir: z.string(),
  name: z.string(),
  createdAt: z.string(),
  schemaVersion: int.nonnegative(),
  volumes: z.array(VolumeRecord),
  jobs: z.array(JobRecord),
})
export type ProjectSummary = z.infer<typeof ProjectSummary>

export const SliceImage = z.object({
  spec: z.string(),
  z: int.nonnegative(),
  width: int.positive(),
  height: int.positive(),
  /** Source voxels per displayed pixel (nearest neighbour downsampling). */
  step: int.positive(),
  /** The intensity window mapped to 0..255. */
  low: z.number(),
  high: z.number(),
  /** Grey levels, row-major, base64. */
  pixels: z.string(),
})
export type SliceImage = z.infer<typeof SliceImage>

export const api = {
  'app.info': {
    params: z.object({}).strict(),
    result: z.object({
      version: z.string(),
      transport: z.enum(['ipc', 'web']),
      project: z.string().nullable(),
    }),
  },
  'project.show': {
    params: z.object({ dir: z.string().min(1) }).strict(),
    result: ProjectSummary,
  },
  'volume.list': {
    params: z.object({ path: z.string().min(1) }).strict(),
    result: z.object({ format: VolumeFormat, datasets: z.array(ArrayInfo) }),
  },
  'volume.slice': {
    params: z
      .object({
        spec: z.string().min(1),
        z: int.nonnegative().optional(),
        maxSize: int.min(16).max(4096).optional(),
      })
      .strict(),
    result: SliceImage,
  },
} as const

export type ApiMethod = keyof typeof api
export type ApiParams<M extends ApiMethod> = z.input<(typeof api)[M]['params']>
export type ApiResult<M extends ApiMethod> = z.infer<(typeof api)[M]['result']>
export const API_METHODS = Object.keys(api) as ApiMethod[]

export const ApiRequest = z
  .object({
    id: int.nonnegative(),
    method: z.enum(API_METHODS as [ApiMethod, ...ApiMethod[]]),
    params: z.unknown(),
  })
  .strict()
export type ApiRequest = z.infer<typeof ApiRequest>

export const ApiErrorCode = z.enum(['bad-request', 'bad-input', 'internal'])
export type ApiErrorCode = z.infer<typeof ApiErrorCode>

export const ApiResponse = z.union([
  z.object({ id: int.nonnegative(), ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: int.nonnegative(),
    ok: z.literal(false),
    error: z.object({ code: ApiErrorCode, message: z.string() }),
  }),
])
export type ApiResponse = z.infer<typeof ApiResponse>

/** The surface the preload exposes on `window.activeem` and the web transport imitates. */
export interface ActiveEmBridge {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>
}

export class ApiCallError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Renderer side: the reply of a call, checked against the contract before anyone uses it. */
export function unwrapResponse<M extends ApiMethod>(method: M, raw: unknown): ApiResult<M> {
  const response = ApiResponse.parse(raw)
  if (!response.ok) throw new ApiCallError(response.error.code, response.error.message)
  return api[method].result.parse(response.result) as ApiResult<M>
}

export const IPC_CHANNEL = 'activeem:call'
