/** The Project feature's public entry: its screen, and the export dialog the File menu opens anywhere. */
export { default as ExportDialog } from './ExportDialog.vue'
export { default as ProjectScreen } from './ProjectScreen.vue'
export { default as NewProjectForm } from './NewProjectForm.vue'
