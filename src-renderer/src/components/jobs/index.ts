/** The Jobs feature's public entry. */
export { default as JobsPanel } from './JobsPanel.vue'
export { splitArgs, joinArgs } from './shell-args.ts'
export { default as UnfinishedRoundDialog } from './UnfinishedRoundDialog.vue'
