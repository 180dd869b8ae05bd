import { NOISE_SIGMA, S_NOISE } from './constants.ts'
import type { Scene } from './scene.ts'

/** Light xy blur [1 2 1]/4 (separable), Gaussian noise, quantisation into `raw`. */
export function finishImage(scene: Scene, raw: Uint8Array): void {
  const { Z, Y, X, YX, N, img, stream } = scene
  if (X >= 3 && Y >= 3) {
    const prev = new Float32Array(X)
    const cur = new Float32Array(X)
    for (let z = 0; z < Z; z++) {
      const zb = z * YX
      for (let y = 0; y < Y; y++) {
        const rb = zb + y * X
        let left = img[rb]!
        for (let x = 0; x < X; x++) {
          const c0 = img[rb + x]!
          const right = x + 1 < X ? img[rb + x + 1]! : c0
          img[rb + x] = 0.25 * (left + right) + 0.5 * c0
          left = c0
        }
      }
      prev.set(img.subarray(zb, zb + X))
      for (let y = 0; y < Y; y++) {
        const rb = zb + y * X
        cur.set(img.subarray(rb, rb + X))
        const nb = y + 1 < Y ? rb + X : rb
        for (let x = 0; x < X; x++) img[rb + x] = 0.25 * (prev[x]! + img[nb + x]!) + 0.5 * cur[x]!
        prev.set(cur)
      }
    }
  }
  // table of 65536 normal deviates, indexed by 16 random bits per voxel
  const nr = stream(S_NOISE)
  const table = new Float32Array(65536)
  for (let k = 0; k < table.length; k++) table[k] = NOISE_SIGMA * nr.normal()
  const out = new Uint8ClampedArray(raw.buffer, raw.byteOffset, raw.length)
  let i = 0
  for (; i + 1 < N; i += 2) {
    const bits = (nr.next() * 4294967296) >>> 0
    out[i] = img[i]! + table[bits & 0xffff]!
    out[i + 1] = img[i + 1]! + table[bits >>> 16]!
  }
  if (i < N) out[i] = img[i]! + table[((nr.next() * 4294967296) >>> 0) & 0xffff]!
}
