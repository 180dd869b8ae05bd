/** Row-major [n, d] float features. */
export interface Matrix {
  n: number
  d: number
  data: Float32Array
}

/** Each column to zero mean and unit variance (constant columns to zero): streams of any scale weigh alike. */
export function standardise(m: Matrix): Matrix {
  const { n, d, data } = m
  const out = new Float32Array(n * d)
  for (let j = 0; j < d; j++) {
    let mean = 0
    for (let i = 0; i < n; i++) mean += data[i * d + j]!
    mean /= n
    let v = 0
    for (let i = 0; i < n; i++) v += (data[i * d + j]! - mean) ** 2
    const sd = Math.sqrt(v / n)
    for (let i = 0; i < n; i++) out[i * d + j] = sd > 0 ? (data[i * d + j]! - mean) / sd : 0
  }
  return { n, d, data: out }
}

/** Columns of a then b, side by side. */
export function concat(a: Matrix, b: Matrix): Matrix {
  if (a.n !== b.n) throw new Error(`concat: ${a.n} rows and ${b.n} rows`)
  const d = a.d + b.d
  const out = new Float32Array(a.n * d)
  for (let i = 0; i < a.n; i++) {
    out.set(a.data.subarray(i * a.d, (i + 1) * a.d), i * d)
    out.set(b.data.subarray(i * b.d, (i + 1) * b.d), i * d + a.d)
  }
  return { n: a.n, d, data: out }
}

/** The rows `rows` of m, in that order. */
export function pick(m: Matrix, rows: ArrayLike<number>): Matrix {
  const out = new Float32Array(rows.length * m.d)
  for (let k = 0; k < rows.length; k++)
    out.set(m.data.subarray(rows[k]! * m.d, (rows[k]! + 1) * m.d), k * m.d)
  return { n: rows.length, d: m.d, data: out }
}

export function squaredDistance(m: Matrix, i: number, c: Float32Array, ci: number): number {
  let s = 0
  for (let j = 0; j < m.d; j++) {
    const t = m.data[i * m.d + j]! - c[ci * m.d + j]!
    s += t * t
  }
  return s
}

/** Both streams side by side, each standardised: the space of late fusion, core-set and nearest queries. */
export function bothStreams(mask: Matrix, image: Matrix): Matrix {
  return concat(standardise(mask), standardise(image))
}
