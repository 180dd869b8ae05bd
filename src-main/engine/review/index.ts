export { reviewSet, type SetReview } from './set.ts'
export { roiTable, type RoiTable, type RoiTableRow } from './table.ts'
