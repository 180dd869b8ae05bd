/**
 * Numbered, append-only schema migrations. PRAGMA user_version records the last one applied; a
 * database from a newer ActiveEM (higher version than we know) is refused rather than damaged.
 */
export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'projects, volumes, jobs',
    sql: `
      CREATE TABLE project (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        app_version TEXT NOT NULL
      );
      CREATE TABLE volumes (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        path TEXT NOT NULL,
        dataset TEXT NOT NULL,
        format TEXT NOT NULL CHECK (format IN ('hdf5', 'zarr', 'stack', 'tiff')),
        shape TEXT NOT NULL,
        dtype TEXT NOT NULL,
        chunks TEXT,
        role TEXT NOT NULL CHECK (role IN ('raw', 'labels', 'prediction')),
        voxel_size_nm TEXT,
        added_at TEXT NOT NULL
      );
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        params TEXT NOT NULL DEFAULT '{}',
        progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
        message TEXT,
        volume_id INTEGER REFERENCES volumes(id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX jobs_state ON jobs(state);
    `,
  },
  {
    version: 2,
    name: 'resumable jobs, their events and chunks; models',
    sql: `
      ALTER TABLE jobs ADD COLUMN key TEXT;
      ALTER TABLE jobs ADD COLUMN result TEXT;
      CREATE INDEX jobs_key ON jobs(kind, key);
      CREATE TABLE job_events (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        message TEXT NOT NULL
      );
      CREATE TABLE job_chunks (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        chunk TEXT NOT NULL,
        PRIMARY KEY (job_id, chunk)
      ) WITHOUT ROWID;
      CREATE TABLE models (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        task TEXT NOT NULL CHECK (task IN ('synapse', 'mito')),
        path TEXT NOT NULL,
        config TEXT NOT NULL,
        metrics TEXT,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'ROI proposals: sets (one per probability map and parameters) and their ROIs',
    sql: `
      CREATE TABLE proposal_sets (
        id INTEGER PRIMARY KEY,
        task TEXT NOT NULL CHECK (task IN ('synapse', 'mito')),
        map TEXT NOT NULL,
        raw TEXT,
        params TEXT NOT NULL,
        dir TEXT NOT NULL,
        count INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE rois (
        set_id INTEGER NOT NULL REFERENCES proposal_sets(id) ON DELETE CASCADE,
        id INTEGER NOT NULL,
        z0 INTEGER NOT NULL, y0 INTEGER NOT NULL, x0 INTEGER NOT NULL,
        z1 INTEGER NOT NULL, y1 INTEGER NOT NULL, x1 INTEGER NOT NULL,
        voxels INTEGER NOT NULL,
        cz REAL NOT NULL, cy REAL NOT NULL, cx REAL NOT NULL,
        mean_p REAL NOT NULL,
        max_p REAL NOT NULL,
        polarity TEXT,
        alignment TEXT,
        PRIMARY KEY (set_id, id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'query rounds: which ROIs a strategy asked about, by cluster',
    sql: `
      CREATE TABLE rounds (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES proposal_sets(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        strategy TEXT NOT NULL,
        params TEXT NOT NULL,
        notes TEXT NOT NULL DEFAULT '[]',
        created_at TEXT NOT NULL,
        UNIQUE (set_id, number)
      );
      CREATE TABLE queries (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        rank INTEGER NOT NULL,
        roi_id INTEGER NOT NULL,
        cluster INTEGER NOT NULL,
        distance REAL NOT NULL,
        PRIMARY KEY (round_id, rank)
      ) WITHOUT ROWID;
      CREATE TABLE roi_clusters (
        round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
        roi_id INTEGER NOT NULL,
        cluster INTEGER NOT NULL,
        PRIMARY KEY (round_id, roi_id)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    name: 'labels: every judgement of an ROI as its own row, undo included',
    sql: `
      CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES proposal_sets(id) ON DELETE CASCADE,
        roi_id INTEGER NOT NULL,
        annotator TEXT NOT NULL,
        value TEXT CHECK (value IN ('correct', 'incorrect', 'unsure')),
        undo_of INTEGER REFERENCES labels(id),
        round_id INTEGER REFERENCES rounds(id) ON DELETE SET NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX labels_by_roi ON labels(set_id, roi_id, annotator, id);
      CREATE INDEX labels_by_annotator ON labels(set_id, annotator, id);
    `,
  },
  {
    version: 6,
    name: 'jobs: the process that runs each one, its log, ETA and loss/metric points for live curves',
    sql: `
      ALTER TABLE jobs ADD COLUMN pid INTEGER;
      ALTER TABLE jobs ADD COLUMN host TEXT;
      ALTER TABLE jobs ADD COLUMN log TEXT;
      ALTER TABLE jobs ADD COLUMN eta_seconds REAL;
      CREATE TABLE job_points (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        step REAL NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (job_id, name, step)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: 'campaign: the rounds of active learning as steps with their state and results',
    sql: `
      CREATE TABLE campaign (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        task TEXT NOT NULL CHECK (task IN ('synapse', 'mito')),
        raw TEXT NOT NULL,
        model TEXT NOT NULL,
        strategy TEXT NOT NULL,
        params TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE campaign_steps (
        round INTEGER NOT NULL CHECK (round >= 1),
        step TEXT NOT NULL,
        position INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed')),
        result TEXT,
        error TEXT,
        pid INTEGER,
        host TEXT,
        started_at TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (round, position)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 8,
    name: "labels: the client's request id, so that a retried label is not stored twice",
    sql: `
      ALTER TABLE labels ADD COLUMN request_id TEXT;
      CREATE UNIQUE INDEX labels_by_request ON labels(request_id) WHERE request_id IS NOT NULL;
    `,
  },
  {
    version: 9,
    name: "roi_clusters: each ROI's first-stream cluster, so that answers propagate over both levels",
    // Null for strategies without a first stream and for rounds stored before: those propagate over
    // their clusters alone, as they always did.
    sql: `
      ALTER TABLE roi_clusters ADD COLUMN parent INTEGER;
    `,
  },
  {
    version: 10,
    name: "volume_levels: the OME-Zarr multiscale group built as a volume's levels, for zooming out",
    // A volume whose source is itself a multiscale group has its levels there and gets no row.
    sql: `
      CREATE TABLE volume_levels (
        volume_id INTEGER PRIMARY KEY REFERENCES volumes(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        registered_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 11,
    name: "roi_masks: annotators' corrections of an ROI's mask, one full mask per edit; undo and redo as rows",
    // Each edit row holds the whole mask over the ROI's box
    // (uint8 z, y, x, deflated); undo and redo rows only say which edit is current after them, so
    // nothing is ever deleted and the rows are the audit trail.
    sql: `
      CREATE TABLE roi_masks (
        id INTEGER PRIMARY KEY,
        set_id INTEGER NOT NULL REFERENCES proposal_sets(id) ON DELETE CASCADE,
        roi_id INTEGER NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('edit', 'undo', 'redo')),
        parent INTEGER REFERENCES roi_masks(id),
        current INTEGER REFERENCES roi_masks(id),
        box TEXT,
        mask BLOB,
        annotator TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX roi_masks_by_roi ON roi_masks(set_id, roi_id, id);
    `,
  },
  {
    version: 12,
    name: 'jobs.args: the command-line options a window launched a job with, so it can be resumed',
    // Kept apart from params, which the command replaces with its own when it takes the row.
    sql: `
      ALTER TABLE jobs ADD COLUMN args TEXT;
    `,
  },
  {
    version: 13,
    name: "jobs.cwd: the folder a job's command ran in, so Resume runs a terminal's command where it was typed",
    sql: `
      ALTER TABLE jobs ADD COLUMN cwd TEXT;
    `,
  },
]

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version
