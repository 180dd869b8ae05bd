/** The Queries feature's public entry. */
export { default as QueryGrid } from './QueryGrid.vue'
