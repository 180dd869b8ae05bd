export {
  exportProject,
  labelsFile,
  EXPORT_VERSION,
  type ExportOptions,
  type ExportResult,
  type Manifest,
  type DatasetEntry,
  type LabelsFile,
  type RoundsFile,
} from './export.ts'
export { importExport, readManifest, type ImportOptions, type ImportResult } from './import.ts'
export { tableCsv, TABLE_COLUMNS, VOLUME_RULE } from './table.ts'
export { EXPORT_FORMATS, type ExportFormat } from './sink.ts'
export { isExport, EXPORT_KIND, MANIFEST } from './folder.ts'
