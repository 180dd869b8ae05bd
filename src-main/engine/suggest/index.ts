export { suggest, type SuggestInput, type SuggestParams, type Suggestion, type Query } from './suggest.ts'
export { STRATEGIES, STRATEGY_REGISTRY, type Strategy } from './strategies/registry.ts'
export { subclusterCounts } from './strategies/two-stream.ts'
export { suggestionVerdicts, accuracy, randomBaseline, type Partition } from './propagate.ts'
export { oracleLabels } from './oracle.ts'
export {
  saveRound,
  round,
  queriedRois,
  latestRound,
  roundList,
  allRounds,
  roundSetOf,
  roundsOf,
  roundClusters,
  restoreRound,
  type Round,
  type RoundQuery,
  type RoiCluster,
  type RoundRecord,
} from './rounds.ts'
export { loadSetData, suggestRound, type SetData } from './run.ts'
export {
  simulate,
  type SimulateOptions,
  type SimulationResult,
  type SimulationRun,
  type SimulationSummary,
} from './simulate.ts'
export { pairedDifferences, type PairedComparison, type PairedRound } from './paired.ts'
export { standardise, concat, pick, type Matrix } from './features.ts'
export {
  paperGrid,
  PAPER_BUDGETS,
  PAPER_ROIS,
  TABLE3_UNAVAILABLE,
  type PaperGridResult,
  type GridCell,
} from './paper-grid.ts'
