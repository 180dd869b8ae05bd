/**
 * Tile reads for the slice views: one source per volume and window kind, shared by the three views.
 * Each view says which tiles it shows now (`want`, nearest the middle first); the source keeps a few
 * reads in flight, drops queued reads that no view wants any more before they are sent, ignores replies
 * that no view wants by the time they come back, and keeps what it read in an LRU cache bounded in bytes.
 */
import type { VolumeLevels } from '../../../src-shared/contract.ts'
import { useTransport } from '../api/transport.ts'
import { decodeBase64 } from '../lib/base64.ts'
import { messageOf } from '../lib/errors.ts'
import { ByteLru, type LevelInfo, type TileSpec } from '../viewer/tiles.ts'

/** One tile's display values and the picture made of them under a colour table (made when first drawn). */
export interface TileData {
  rows: number
  cols: number
  values: Uint8Array
  picture: { canvas: unknown; lut: string; transposed: boolean } | null
}

/** Reads at once per source: enough to hide a round trip, few enough that a pan's new tiles come next. */
const IN_FLIGHT = 4

export interface TileStats {
  /** Every tile request sent, as `level/axis/index/box`. */
  sent: string[]
  /** Queued requests dropped before sending, and replies ignored on return, because no view wanted them. */
  dropped: number
  ignored: number
}

export class TileSource {
  readonly cache: ByteLru<TileData>
  readonly levels: LevelInfo[]
  /** The volume values shown as 0 and 255 (image tiles). */
  readonly low: number
  readonly high: number
  readonly stats: TileStats = { sent: [], dropped: 0, ignored: 0 }
  private readonly wanted = new Map<string, TileSpec[]>()
  private readonly inFlight = new Set<string>()
  /** Tiles whose read failed: not asked for again (each redraw would otherwise repeat the failure). */
  private readonly failed = new Set<string>()
  private queue: TileSpec[] = []
  private closed = false
  /** Whether a view has asked for any tile yet: before that the source is not settled, only unasked. */
  private asked = false
  private settledWaiters: Array<() => void> = []
  /** The last read that failed, until the viewer reports it. */
  failure: string | null = null

  constructor(
    readonly spec: string,
    readonly window: 'image' | 'probability' | 'label',
    readonly info: VolumeLevels,
    private readonly loaded: () => void,
    maxBytes = 256 * 1024 * 1024,
    /** A probability map's image: the tiles are read in its voxels (see volume.tile). */
    readonly over?: string,
  ) {
    this.low = info.low
    this.high = info.high
    this.levels = info.levels.map((l) => ({ shape: l.shape, factor: l.factor, tile: l.tile }))
    this.cache = new ByteLru<TileData>(maxBytes)
  }

  /** What `view` shows now, in the order to read it; replaces what it wanted before. */
  want(view: string, tiles: TileSpec[]): void {
    this.wanted.set(view, tiles)
    if (tiles.length > 0) this.asked = true
    const wantedKeys = this.wantedKeys()
    this.stats.dropped += this.queue.filter((t) => !wantedKeys.has(t.key)).length
    // The views' wishes interleaved by rank, so each view's middle comes first.
    const lists = [...this.wanted.values()]
    const queued = new Set<string>()
    const next: TileSpec[] = []
    for (let rank = 0; lists.some((l) => rank < l.length); rank++)
      for (const list of lists) {
        const t = list[rank]
        if (
          !t ||
          queued.has(t.key) ||
          this.inFlight.has(t.key) ||
          this.cache.has(t.key) ||
          this.failed.has(t.key)
        )
          continue
        queued.add(t.key)
        next.push(t)
      }
    this.queue = next
    this.pump()
    this.checkSettled()
  }

  /**
   * Resolves once every tile the views want is read (or failed), or after `maxMs` however far the reads
   * are: work that competes with the first tiles for the host and the main thread (the 3D view's
   * overview, a second or more of software rendering) waits for it, so the whole slice shows first.
   */
  settled(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, maxMs)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.settledWaiters.push(done)
      this.checkSettled()
    })
  }

  private checkSettled(): void {
    const idle = this.closed || (this.asked && this.queue.length === 0 && this.inFlight.size === 0)
    if (!idle || this.settledWaiters.length === 0) return
    const waiters = this.settledWaiters
    this.settledWaiters = []
    for (const done of waiters) done()
  }

  /** A view that closed wants nothing. */
  forget(view: string): void {
    this.want(view, [])
    this.wanted.delete(view)
  }

  private wantedKeys(): Set<string> {
    const keys = new Set<string>()
    for (const list of this.wanted.values()) for (const t of list) keys.add(t.key)
    return keys
  }

  private pump(): void {
    while (!this.closed && this.inFlight.size < IN_FLIGHT && this.queue.length > 0) {
      const tile = this.queue.shift()!
      this.inFlight.add(tile.key)
      this.stats.sent.push(tile.key)
      void this.read(tile)
    }
  }

  private async read(tile: TileSpec): Promise<void> {
    try {
      const reply = await useTransport().call('volume.tile', {
        spec: this.spec,
        level: tile.level,
        axis: tile.axis,
        index: tile.index,
        box: tile.box,
        window: this.window,
        ...(this.over !== undefined ? { over: this.over } : {}),
      })
      if (this.closed) return
      if (!this.wantedKeys().has(tile.key)) {
        this.stats.ignored++
        return
      }
      const values = decodeBase64(reply.voxels)
      const [rows, cols] = reply.dims
      this.cache.set(tile.key, { rows, cols, values, picture: null }, values.length * 5)
      this.loaded()
    } catch (e) {
      if (!this.closed) {
        this.failed.add(tile.key)
        this.failure = `tile ${tile.key} of ${this.spec}: ${messageOf(e)}`
        this.loaded()
      }
    } finally {
      this.inFlight.delete(tile.key)
      this.pump()
      this.checkSettled()
    }
  }

  close(): void {
    this.closed = true
    this.queue = []
    this.wanted.clear()
    this.cache.clear()
    this.checkSettled()
  }
}
