/** The Viewer feature's public entry. */
export { default as ViewerPanel } from './ViewerPanel.vue'
