/** Growable list of voxels (index, small tag, 4 floats) found by one bbox scan, replayed on commit. */
export class VoxelRecord {
  n = 0
  idx = new Int32Array(1024)
  tag = new Int8Array(1024)
  f = new Float64Array(4096)

  clear(): void {
    this.n = 0
  }

  /** Replays the voxels in the order they were pushed. */
  each(visit: (vi: number, a: number, b: number, c: number, d: number, tag: number) => void): void {
    const { idx, tag, f } = this
    for (let k = 0; k < this.n; k++)
      visit(idx[k]!, f[k * 4]!, f[k * 4 + 1]!, f[k * 4 + 2]!, f[k * 4 + 3]!, tag[k]!)
  }

  push(vi: number, tag: number, a: number, b: number, c: number, d: number): void {
    if (this.n === this.idx.length) {
      const idx = new Int32Array(this.n * 2)
      idx.set(this.idx)
      this.idx = idx
      const tg = new Int8Array(this.n * 2)
      tg.set(this.tag)
      this.tag = tg
      const f = new Float64Array(this.n * 8)
      f.set(this.f)
      this.f = f
    }
    const k = this.n++
    this.idx[k] = vi
    this.tag[k] = tag
    this.f[k * 4] = a
    this.f[k * 4 + 1] = b
    this.f[k * 4 + 2] = c
    this.f[k * 4 + 3] = d
  }
}
