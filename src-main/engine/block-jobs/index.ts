export { parseBlockPart, formatPart, partOf, MAX_PARTS, type BlockPart } from './part.ts'
export {
  isBlockDone,
  listMarkers,
  markerDir,
  requireAllBlocks,
  requireSameRun,
  runKey,
  writeMarker,
  type BlockMarker,
} from './markers.ts'
