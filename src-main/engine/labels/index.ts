export {
  setLabel,
  undoLabel,
  currentLabels,
  majorityLabels,
  labelHistory,
  checkAnnotator,
  defaultAnnotator,
  LABEL_VALUES,
  type LabelValue,
  type LabelRow,
  type Majority,
} from './store.ts'
