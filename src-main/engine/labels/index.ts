export {
  setLabel,
  undoLabel,
  currentLabels,
  majorityLabels,
  labelHistory,
  checkAnnotator,
  checkSet,
  defaultAnnotator,
  LABEL_VALUES,
  type LabelValue,
  type LabelRow,
  type Majority,
} from './store.ts'
