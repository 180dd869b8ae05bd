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

/** One resolution level of an OME-Zarr multiscale group: its array, z/y/x shape, voxel size and offset. */
export const PyramidLevel = z.object({
  path: z.string(),
  /** GROUP#PATH, as volume.crop and volume.slice take it. */
  spec: z.string(),
  shape: shape3,
  scale: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  translation: z.tuple([z.number(), z.number(), z.number()]),
})
export type PyramidLevel = z.infer<typeof PyramidLevel>

export const Multiscale = z.object({
  group: z.string(),
  version: z.enum(['0.4', '0.5']),
  name: z.string().nullable(),
  /** Finest first. */
  levels: z.array(PyramidLevel).min(1),
})
export type Multiscale = z.infer<typeof Multiscale>

/** A project volume's levels: its own OME-Zarr group's (`source`), a pyramid built for it, or none yet. */
export const ProjectVolumeLevels = z.object({
  volumeId: int.positive(),
  origin: z.enum(['source', 'pyramid']).nullable(),
  multiscale: Multiscale.nullable(),
  /** The pyramid job building them now. */
  job: z.object({ id: int.positive(), progress: z.number().min(0).max(1) }).nullable(),
  error: z.string().nullable(),
})
export type ProjectVolumeLevels = z.infer<typeof ProjectVolumeLevels>

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

/** What an annotator says about one ROI; `null` in a history row means "no label" (an undo back to nothing). */
export const LabelValue = z.enum(['correct', 'incorrect', 'unsure'])
export type LabelValue = z.infer<typeof LabelValue>

/** Annotator names are short words so they survive CSV, file names and shell scripts. */
export const AnnotatorName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    'an annotator name is 1-64 letters, digits, dots, dashes or underscores',
  )

const box6 = z.tuple([int, int, int, int, int, int])
const vec3 = z.tuple([z.number(), z.number(), z.number()])

export const RoiInfo = z.object({
  id: int.positive(),
  /** [z0, y0, x0, z1, y1, x1], end exclusive. */
  box: box6,
  centroid: vec3,
  voxels: int.nonnegative(),
  meanP: z.number(),
  /** Synapses: which side of the cleft is pre-synaptic, as the proposals found it. */
  polarity: z.string().nullable(),
})
export type RoiInfo = z.infer<typeof RoiInfo>

export const RoiSetInfo = z.object({
  setId: int.positive(),
  task: z.enum(['synapse', 'mito']),
  /** The raw volume and the probability map the set was made from, as PATH#DATASET. */
  raw: z.string().nullable(),
  map: z.string(),
  /** Every probability channel of the map (synapses: pre, post, union). */
  channels: z.array(z.object({ name: z.string(), spec: z.string() })),
  /**
   * The volume whose coordinates the boxes are in: the one asked for, else `raw`; `offset` is where
   * the set's voxel (0,0,0) lies in it (the box's corner, when the set was made from a box of it).
   */
  volume: z.string().nullable(),
  offset: z.tuple([int, int, int]),
  rois: z.array(RoiInfo),
})
export type RoiSetInfo = z.infer<typeof RoiSetInfo>

export const QueryItem = z.object({
  rank: int.nonnegative(),
  roi: int.positive(),
  cluster: int.nonnegative(),
  distance: z.number(),
})
export type QueryItem = z.infer<typeof QueryItem>

export const RoundInfo = z.object({
  id: int.positive(),
  setId: int.positive(),
  number: int.positive(),
  strategy: z.string(),
  createdAt: z.string(),
  queries: z.array(QueryItem),
})
export type RoundInfo = z.infer<typeof RoundInfo>

/** A round with how many of its queries are answered (an annotators' majority, unsure included; not a tie). */
export const RoundProgress = z.object({
  id: int.positive(),
  setId: int.positive(),
  number: int.positive(),
  strategy: z.string(),
  createdAt: z.string(),
  queries: int.nonnegative(),
  labelled: int.nonnegative(),
})
export type RoundProgress = z.infer<typeof RoundProgress>

export const RoundsOverview = z.object({
  /** Every round of the project, set by set, in order. */
  rounds: z.array(RoundProgress),
  /** The current round's id (the latest of the newest set with rounds: what the grid shows first), or null. */
  current: int.positive().nullable(),
  /** The round `suggest` without --set would make: the newest proposal set's next number (null: no set). */
  next: z.object({ setId: int.positive(), number: int.positive() }).nullable(),
})
export type RoundsOverview = z.infer<typeof RoundsOverview>

/** Current labels of one set: this annotator's, and the majority over all annotators. */
export const LabelState = z.object({
  setId: int.positive(),
  annotator: z.string(),
  /** ROI id -> this annotator's current label (ROIs without one are absent). */
  mine: z.record(z.string(), LabelValue),
  /** ROI id -> majority over annotators of correct/incorrect votes (ties and unsure-only: absent). */
  majority: z.record(z.string(), LabelValue),
  annotators: z.array(z.string()),
  /** ROI id -> the other annotators' current labels, by annotator name (ROIs no one else labelled: absent). */
  others: z.record(z.string(), z.array(z.object({ annotator: z.string(), value: LabelValue }))),
})
export type LabelState = z.infer<typeof LabelState>

export const Thumb = z.object({
  roi: int.positive(),
  /** The slice shown, in the set's voxels (the ROI's own slice, or that moved by `dz` within the volume). */
  z: int.nonnegative(),
  /** Grey levels, size x size, base64. */
  image: z.string(),
  /** Mask, size x size int8 as base64: 0 background, 1 object or +1 pre / -1 post for synapses. */
  mask: z.string(),
})
export type Thumb = z.infer<typeof Thumb>

/** An ROI's mask over its box in the set's voxels, and where it stands among its corrected versions. */
export const RoiMaskInfo = z.object({
  roi: int.positive(),
  /** z0, y0, x0, z1, y1, x1 (ends exclusive) in the set's voxels (rois.list shifts them by its offset). */
  box: z.tuple([
    int.nonnegative(),
    int.nonnegative(),
    int.nonnegative(),
    int.positive(),
    int.positive(),
    int.positive(),
  ]),
  /** uint8 0/1, C order (z, y, x) over the box, base64. */
  mask: z.string(),
  /** The current version's id; null: the proposal's own mask. */
  version: int.positive().nullable(),
  versions: int.nonnegative(),
  canUndo: z.boolean(),
  canRedo: z.boolean(),
})
export type RoiMaskInfo = z.infer<typeof RoiMaskInfo>

/** A box of a volume for the viewer, read at a step (every step-th voxel) and mapped to 0..255. */
export const VolumeCrop = z.object({
  spec: z.string(),
  /** The whole volume's shape, z, y, x. */
  shape: shape3,
  /** First voxel of the crop, z, y, x, in volume coordinates. */
  origin: z.tuple([int.nonnegative(), int.nonnegative(), int.nonnegative()]),
  /** Voxels in the crop, z, y, x (after the step). */
  dims: shape3,
  step: int.positive(),
  /** The value window mapped to 0..255. */
  low: z.number(),
  high: z.number(),
  voxelSizeNm: vec3.nullable(),
  /** uint8, C order (z, y, x), base64. */
  voxels: z.string(),
  /** For a crop of a pyramid level: level-0 voxels per voxel of that level, z, y, x. */
  factor: shape3.optional(),
})
export type VolumeCrop = z.infer<typeof VolumeCrop>

/** A volume's resolution levels, finest (level 0) first: the slice views read tiles of the one that fits their zoom. */
export const VolumeLevels = z.object({
  spec: z.string(),
  /** Level 0's shape, z, y, x. */
  shape: shape3,
  voxelSizeNm: vec3.nullable(),
  /** The image values shown as 0 and 255 in every tile of every level. */
  low: z.number(),
  high: z.number(),
  levels: z.array(
    z.object({
      shape: shape3,
      /** Level-0 voxels per voxel of this level, z, y, x. */
      factor: shape3,
      /** A tile's extent per axis (whole chunks): tiles start at multiples of it. */
      tile: shape3,
      /** Read from level 0 at a stride (no pyramid beside the volume) rather than from its own array. */
      strided: z.boolean(),
    }),
  ),
})
export type VolumeLevels = z.infer<typeof VolumeLevels>

export const VolumeTile = z.object({
  /** Rows x columns: rows along the lower of the two in-plane axes (z before y before x). */
  dims: z.tuple([int.positive(), int.positive()]),
  /** uint8 display values, C order, base64. */
  voxels: z.string(),
})
export type VolumeTile = z.infer<typeof VolumeTile>

export const JobEvent = z.object({ at: z.string(), message: z.string() })
export const JobDetail = JobRecord.extend({
  params: z.unknown(),
  events: z.array(JobEvent),
  /** Loss or metric points the job reported, for the live curves. */
  series: z.array(z.object({ step: z.number(), name: z.string(), value: z.number() })),
  etaSeconds: z.number().nullable(),
  /** True while the process that runs it is alive (a crashed job is 'running' with no process). */
  alive: z.boolean(),
  /** A window launched it, so job.resume can launch it again; false for a job run from a terminal. */
  resumable: z.boolean(),
})
export type JobDetail = z.infer<typeof JobDetail>

export const JobKind = z.enum([
  'train',
  'predict',
  'proposals',
  'embed',
  'suggest',
  'finetune',
  'round',
  'pyramid',
])
export type JobKind = z.infer<typeof JobKind>

/** The guided pipeline's steps, in the order the Project screen shows them as cards. */
export const PIPELINE_STEPS = [
  'project',
  'volumes',
  'train',
  'predict',
  'proposals',
  'embed',
  'suggest',
  'label',
  'finetune',
  'export',
] as const
export const PipelineStep = z.enum(PIPELINE_STEPS)
export type PipelineStep = z.infer<typeof PipelineStep>

/** The steps whose card runs something: a job of the same kind, or the export. */
export const PipelineRunStep = z.enum([
  'train',
  'predict',
  'proposals',
  'embed',
  'suggest',
  'finetune',
  'export',
  'import',
])
export type PipelineRunStep = z.infer<typeof PipelineRunStep>

/** A box of a volume, z0, z1, y0, y1, x0, x1 (end exclusive). */
const boxZyx = z.tuple([
  int.nonnegative(),
  int.positive(),
  int.nonnegative(),
  int.positive(),
  int.nonnegative(),
  int.positive(),
])

/**
 * The typed fields of the cards' forms; each step reads the ones it needs (pipeline-args.ts maps them
 * to the command's flags). Volumes are project volume sources (PATH#DATASET).
 */
export const PipelineFields = z
  .object({
    task: z.enum(['synapse', 'mito']),
    raw: z.string().min(1),
    labels: z.string().min(1),
    /** A model to import instead of training one: its tfjs layers-format model.json. */
    from: z.string().min(1),
    /** The intensity normalisation an imported model expects (raw values). */
    mean: z.number(),
    std: z.number().positive(),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a model name is letters, digits, . _ -'),
    iterations: int.min(1).max(1_000_000),
    model: z.string().min(1),
    /** Predict only this box of the raw volume (null: the whole volume). */
    box: boxZyx.nullable(),
    /** A probability map's Zarr group (proposals: null or absent for the newest map of the task). */
    map: z.string().min(1).nullable(),
    threshold: z.number().gt(0).lt(1),
    minSize: int.min(1),
    epochs: int.min(1).max(10_000),
    strategy: z.string().min(1),
    N: int.min(1),
    M: int.min(1),
    Q: int.min(1),
    ratio: z.number().min(0).max(1),
    out: z.string().min(1),
    format: z.enum(['hdf5', 'zarr']),
    /** export: replace an earlier export there; suggest: start a new round though the current one is unfinished. */
    force: z.boolean(),
  })
  .partial()
  .strict()
export type PipelineFields = z.infer<typeof PipelineFields>

export const PipelineState = z.enum(['not-started', 'running', 'done', 'stale', 'failed'])
export type PipelineState = z.infer<typeof PipelineState>

export const PipelineCard = z.object({
  step: PipelineStep,
  title: z.string(),
  state: PipelineState,
  /** What the step has made so far, in a line ("model 'mito', 20 iterations"). */
  summary: z.string(),
  /** Why it is stale or failed, when it is. */
  reason: z.string().nullable(),
  /** What it still needs before it can run (empty: it can). */
  needs: z.array(z.string()),
  /** The newest job of the step's kind: its progress and phase. */
  job: z
    .object({
      id: int.positive(),
      state: JobState,
      alive: z.boolean(),
      progress: z.number().min(0).max(1),
      message: z.string().nullable(),
      etaSeconds: z.number().nullable(),
    })
    .nullable(),
  /** The form's fields as derived from the data. */
  defaults: PipelineFields,
  /** Choices for the form's pickers. */
  choices: z.object({
    raw: z.array(z.object({ source: z.string(), name: z.string(), shape: shape3 })),
    labels: z.array(z.object({ source: z.string(), name: z.string(), shape: shape3 })),
    models: z.array(z.object({ name: z.string(), task: z.enum(['synapse', 'mito']) })),
    maps: z.array(z.object({ group: z.string(), raw: z.string().nullable() })),
    strategies: z.array(z.string()),
  }),
  /**
   * Seconds per unit of the step's size (train and fine-tune: per iteration; predict: per voxel), and
   * where the figure comes from: a job of this project, or the development machine's.
   */
  rate: z
    .object({ seconds: z.number().positive(), per: z.enum(['iteration', 'voxel']), basis: z.string() })
    .nullable(),
})
export type PipelineCard = z.infer<typeof PipelineCard>

/**
 * What a project change is about, so a page reads again only what shows it: `jobs` (a job added, written,
 * its log, or its process gone), `volumes` (added, renamed, removed, levels registered), `models`,
 * `proposals` (proposal sets), `rounds`, `labels`, `masks` (corrected ROI masks).
 */
export const PROJECT_TOPICS = ['jobs', 'volumes', 'models', 'proposals', 'rounds', 'labels', 'masks'] as const
export const ProjectTopic = z.enum(PROJECT_TOPICS)
export type ProjectTopic = z.infer<typeof ProjectTopic>

/**
 * Pushed by the host, unasked, to a connection subscribed to the project (events.subscribe) whenever its
 * database changed: by this host or by any other process (a job, `activeem` in a terminal). It has no
 * `id`, which tells it from a reply. `dir` is the folder as the subscriber named it.
 */
export const ProjectEvent = z
  .object({
    event: z.literal('project.changed'),
    dir: z.string(),
    topics: z.array(ProjectTopic).min(1),
  })
  .strict()
export type ProjectEvent = z.infer<typeof ProjectEvent>

export const api = {
  'app.info': {
    params: z.object({}).strict(),
    result: z.object({
      version: z.string(),
      transport: z.enum(['ipc', 'web']),
      project: z.string().nullable(),
      /** Who labels when the page has not been told otherwise: the host's user name. */
      annotator: AnnotatorName,
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
  'project.create': {
    /** A new project in a new or empty folder. */
    params: z.object({ dir: z.string().min(1), name: z.string().min(1).max(200).optional() }).strict(),
    result: ProjectSummary,
  },
  'project.addVolume': {
    params: z
      .object({
        dir: z.string().min(1),
        spec: z.string().min(1),
        role: VolumeRole,
        name: z.string().min(1).max(200).optional(),
        voxelSizeNm: z
          .tuple([z.number().positive(), z.number().positive(), z.number().positive()])
          .optional(),
      })
      .strict(),
    result: VolumeRecord,
  },
  'project.volumeDependents': {
    /** What was made from the volume (proposal sets, jobs), in words: shown before renaming or removing it. */
    params: z.object({ dir: z.string().min(1), id: int.positive() }).strict(),
    result: z.array(z.string()),
  },
  'project.renameVolume': {
    params: z
      .object({ dir: z.string().min(1), id: int.positive(), name: z.string().min(1).max(200) })
      .strict(),
    result: VolumeRecord,
  },
  'project.removeVolume': {
    /** Forgets the volume; its files stay. The result names what had been made from it. */
    params: z.object({ dir: z.string().min(1), id: int.positive() }).strict(),
    result: z.object({ removed: VolumeRecord, dependents: z.array(z.string()) }),
  },
  'volume.multiscale': {
    /** The OME-Zarr multiscale group the volume is a level of (its levels from that one down), or null. */
    params: z.object({ spec: z.string().min(1) }).strict(),
    result: Multiscale.nullable(),
  },
  'project.levels': {
    params: z.object({ dir: z.string().min(1) }).strict(),
    /** Every volume of the project, in the order of project.show. */
    result: z.array(ProjectVolumeLevels),
  },
  'volume.crop': {
    params: z
      .object({
        spec: z.string().min(1),
        /** Centre of the box, z, y, x; the volume's centre when absent. */
        center: z.tuple([int.nonnegative(), int.nonnegative(), int.nonnegative()]).optional(),
        /** Box size in voxels before the step, z, y, x; clipped to the volume. */
        size: z.tuple([int.min(1).max(1024), int.min(1).max(4096), int.min(1).max(4096)]).optional(),
        step: int.min(1).max(64).optional(),
        /** `image`: a percentile window of the crop; `probability`: 0..1 (float) or 0..255 (integers) as is. */
        window: z.enum(['image', 'probability']).optional(),
        /**
         * For `image`: the values shown as 0 and 255, the volume's one auto-contrast (volume.levels' low and
         * high) instead of the crop's own percentiles, so the contrast does not change as the crop moves.
         */
        range: z
          .tuple([z.number(), z.number()])
          .refine(([low, high]) => high > low, 'range: high must be above low')
          .optional(),
        /** A pyramid level (see volume.levels): centre, size and the result's box are then in its voxels. */
        level: int.nonnegative().optional(),
        /**
         * A probability map's image: the map is read in that image's voxels (placed at the box it was
         * predicted from), and refused when it was predicted from another volume.
         */
        over: z.string().min(1).optional(),
      })
      .strict(),
    result: VolumeCrop,
  },
  'volume.levels': {
    params: z
      .object({
        spec: z.string().min(1),
        /** The project the volume belongs to: a pyramid built for it there (pyramid --project) gives its levels. */
        dir: z.string().min(1).optional(),
        /**
         * A probability map's image: the map is read in that image's voxels (placed at the box it was
         * predicted from), and refused when it was predicted from another volume.
         */
        over: z.string().min(1).optional(),
      })
      .strict(),
    result: VolumeLevels,
  },
  'volume.tile': {
    params: z
      .object({
        spec: z.string().min(1),
        level: int.nonnegative(),
        /** The slice's normal: 0 (z: an xy slice), 1 (y: xz), 2 (x: yz). */
        axis: z.union([z.literal(0), z.literal(1), z.literal(2)]),
        /** The slice at this level. */
        index: int.nonnegative(),
        /** [row0, col0, row1, col1] in the level's voxels, end exclusive. */
        box: z.tuple([int.nonnegative(), int.nonnegative(), int.positive(), int.positive()]),
        /**
         * `image`: the volume's window (see volume.levels); `probability`: 0..1 (float) or 0..255 as is;
         * `label`: label ids as codes, 0 none and 1..255 for any other id (ids wrap past 255).
         */
        window: z.enum(['image', 'probability', 'label']),
        /**
         * A probability map's image: the map is read in that image's voxels (placed at the box it was
         * predicted from), and refused when it was predicted from another volume.
         */
        over: z.string().min(1).optional(),
      })
      .strict(),
    result: VolumeTile,
  },
  'rois.list': {
    /**
     * The latest set unless one is named; with `volume`, its boxes in that volume's coordinates, refused
     * unless the set was made from that volume or a box of it (boxes of another volume mean nothing there).
     */
    params: z
      .object({
        dir: z.string().min(1),
        set: int.positive().optional(),
        volume: z.string().min(1).optional(),
      })
      .strict(),
    result: RoiSetInfo.nullable(),
  },
  'round.get': {
    /** The latest round of the latest set unless both are named. */
    params: z
      .object({ dir: z.string().min(1), set: int.positive().optional(), round: int.positive().optional() })
      .strict(),
    result: RoundInfo.nullable(),
  },
  'rounds.list': {
    params: z.object({ dir: z.string().min(1) }).strict(),
    result: RoundsOverview,
  },
  'thumbs.get': {
    /**
     * `dz`: the slice that many slices from each ROI's own (clamped to the volume), cut through the same
     * frame from the set's raw volume; 0 or absent: the stored thumbnails.
     */
    params: z
      .object({
        dir: z.string().min(1),
        set: int.positive(),
        rois: z.array(int.positive()).min(1).max(256),
        dz: int.min(-16).max(16).optional(),
      })
      .strict(),
    result: z.object({ size: int.positive(), thumbs: z.array(Thumb) }),
  },
  'labels.get': {
    params: z.object({ dir: z.string().min(1), set: int.positive(), annotator: AnnotatorName }).strict(),
    result: LabelState,
  },
  'label.set': {
    params: z
      .object({
        dir: z.string().min(1),
        set: int.positive(),
        roi: int.positive(),
        value: LabelValue,
        annotator: AnnotatorName,
        round: int.positive().optional(),
        /** The client's id for this label: a retry with the same id is answered as the first, unwritten. */
        requestId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{8,64}$/)
          .optional(),
      })
      .strict(),
    /** Sent only after the row is committed: the renderer shows a label once this arrives. */
    result: z.object({ roi: int.positive(), value: LabelValue, labelId: int.positive() }),
  },
  'label.undo': {
    params: z.object({ dir: z.string().min(1), set: int.positive(), annotator: AnnotatorName }).strict(),
    /** The ROI whose last label was undone and the value it has again (null: none), or null if nothing to undo. */
    result: z.object({ roi: int.positive(), value: LabelValue.nullable() }).nullable(),
  },
  'roi.mask': {
    /** An ROI's mask as it stands: its newest corrected version, else the proposal's own. */
    params: z.object({ dir: z.string().min(1), set: int.positive(), roi: int.positive() }).strict(),
    result: RoiMaskInfo,
  },
  'roi.mask.edit': {
    /**
     * `save`: `mask` (0/1 over the ROI's box, base64) becomes its new version; `undo`/`redo` move to the
     * version before or after. Each is a row of the project (annotator, time); nothing is deleted.
     */
    params: z
      .object({
        dir: z.string().min(1),
        set: int.positive(),
        roi: int.positive(),
        annotator: AnnotatorName,
        action: z.enum(['save', 'undo', 'redo']),
        mask: z.string().max(900_000).optional(),
      })
      .strict()
      .refine(
        (p) => (p.action === 'save') === (p.mask !== undefined),
        'mask: given with save, and only then',
      ),
    result: RoiMaskInfo,
  },
  'jobs.list': {
    params: z.object({ dir: z.string().min(1), since: int.nonnegative().optional() }).strict(),
    result: z.array(JobDetail),
  },
  'job.start': {
    params: z
      .object({
        dir: z.string().min(1),
        kind: JobKind,
        /** The CLI options of the command, without --project and --json: ['--strategy', 'two-stream']. */
        args: z.array(z.string().max(1000)).max(64),
      })
      .strict(),
    result: z.object({ pid: int.positive() }),
  },
  'job.resume': {
    /** Launches a cancelled, failed or interrupted job again with its options: it goes on where it stopped. */
    params: z.object({ dir: z.string().min(1), id: int.positive() }).strict(),
    result: z.object({ pid: int.positive() }),
  },
  'job.cancel': {
    params: z.object({ dir: z.string().min(1), id: int.positive() }).strict(),
    result: z.object({ cancelled: z.boolean(), message: z.string() }),
  },
  'export.run': {
    params: z
      .object({
        dir: z.string().min(1),
        out: z.string().min(1),
        format: z.enum(['hdf5', 'zarr']),
        set: int.positive().optional(),
        /** Replace `out` when it is an earlier ActiveEM export (anything else is always refused). */
        force: z.boolean().optional(),
      })
      .strict(),
    result: z.object({
      out: z.string(),
      bytes: int.nonnegative(),
      seconds: z.number(),
      rois: int.nonnegative(),
      labelled: int.nonnegative(),
      annotators: z.array(z.string()),
      final: z.object({ correct: int.nonnegative(), incorrect: int.nonnegative() }),
    }),
  },
  'pipeline.get': {
    /** Every card of the guided pipeline: state, what it needs, its form's defaults, in step order. */
    params: z.object({ dir: z.string().min(1) }).strict(),
    result: z.array(PipelineCard),
  },
  'pipeline.run': {
    /**
     * Runs a card: a job built from the typed fields (as job.start does), the advanced flags appended;
     * the export is written before the reply. The reply says the command line it ran.
     */
    params: z
      .object({
        dir: z.string().min(1),
        step: PipelineRunStep,
        fields: PipelineFields,
        advanced: z.array(z.string().max(1000)).max(32).optional(),
      })
      .strict(),
    result: z.object({
      pid: int.positive().nullable(),
      args: z.array(z.string()),
      out: z.string().nullable(),
    }),
  },
  'ui.state.get': {
    params: z.object({ dir: z.string().min(1) }).strict(),
    /** What each screen saved for this project (view focus, toggles, filters), by screen. */
    result: z.record(z.string(), z.unknown()),
  },
  'ui.state.set': {
    params: z
      .object({
        dir: z.string().min(1),
        key: z.string().regex(/^[a-z][a-z0-9.-]{0,63}$/, 'a key is a short lower-case word'),
        value: z.unknown(),
      })
      .strict(),
    result: z.object({ saved: z.literal(true) }),
  },
  'events.subscribe': {
    /**
     * From now on this connection is sent a ProjectEvent when the project changes; it replaces the
     * connection's earlier subscription (a page shows one project). Ends with events.unsubscribe or
     * when the connection closes.
     */
    params: z.object({ dir: z.string().min(1) }).strict(),
    result: z.object({ dir: z.string() }),
  },
  'events.unsubscribe': {
    params: z.object({}).strict(),
    result: z.object({ subscribed: z.literal(false) }),
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

export const ApiErrorCode = z.enum(['bad-request', 'bad-input', 'busy', 'internal'])
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

/** The page's screens, in tab order: the page's tabs and F-keys and the View menu are made from this list. */
export const SCREENS = [
  { id: 'project', title: 'Project', key: 'F1' },
  { id: 'viewer', title: 'Viewer', key: 'F2' },
  { id: 'queries', title: 'Queries', key: 'F3' },
  { id: 'jobs', title: 'Jobs', key: 'F4' },
] as const
export type ScreenId = (typeof SCREENS)[number]['id']
const ScreenId = z.enum(SCREENS.map((s) => s.id) as [ScreenId, ...ScreenId[]])

/** What the native menus ask the page to do (Electron only); `path` is a file or folder main already picked. */
export const MenuCommand = z.discriminatedUnion('command', [
  z.object({ command: z.literal('import-volume'), path: z.string().min(1) }),
  z.object({ command: z.literal('export') }),
  z.object({ command: z.literal('show-help') }),
  z.object({ command: z.literal('show-screen'), screen: ScreenId }),
])
export type MenuCommand = z.infer<typeof MenuCommand>

export const MENU_CHANNEL = 'activeem:menu'

/** The surface the preload exposes on `window.activeem` and the web transport imitates. */
export interface ActiveEmBridge {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>
  /** Electron only: the path of a dropped file or folder (the browser never reveals it). */
  pathForFile?(file: Blob & { readonly name: string }): string
  /** Electron only: subscribe to menu commands; returns the unsubscribe function. */
  onMenu?(listener: (command: MenuCommand) => void): () => void
  /** Electron only: the host's ProjectEvents (after events.subscribe); returns the unsubscribe function. */
  onEvent?(listener: (event: ProjectEvent) => void): () => void
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

/** Main to page: ProjectEvents of the project the page subscribed to. */
export const EVENT_CHANNEL = 'activeem:event'
