/** A scale bar of a round length (1, 2 or 5 times a power of ten nanometres) near a target width. */
export function scaleBar(nmPerPixel: number, targetPx = 80): { px: number; label: string } | null {
  if (!(nmPerPixel > 0) || !Number.isFinite(nmPerPixel)) return null
  const wanted = nmPerPixel * targetPx
  const power = 10 ** Math.floor(Math.log10(wanted))
  const nm = [1, 2, 5, 10]
    .map((m) => m * power)
    .reduce((best, v) => (Math.abs(v - wanted) < Math.abs(best - wanted) ? v : best))
  const label = nm >= 1000 ? `${+(nm / 1000).toPrecision(3)} µm` : `${+nm.toPrecision(3)} nm`
  return { px: nm / nmPerPixel, label }
}
