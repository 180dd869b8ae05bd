import { defineStore } from 'pinia'
import { ref } from 'vue'
import { AnnotatorName } from '../../../src-shared/contract.ts'
import { loadUiState, saveUiState } from '../api/ui-state.ts'
import { useProjectStore } from './project.ts'
import { useRoundStore } from './round.ts'

const ANNOTATOR_KEY = 'activeem.annotator'

/** The name this browser labels under: its own, remembered in localStorage, else the host's default. */
export const useAnnotatorStore = defineStore('annotator', () => {
  const project = useProjectStore()
  const name = ref<string>(localStorage.getItem(ANNOTATOR_KEY) ?? '')

  function effective(): string {
    return name.value || project.info?.annotator || ''
  }

  /** The name this project was last labelled under, where this browser does not remember one. */
  async function recall(dir: string): Promise<void> {
    const saved = await loadUiState<string>(dir, 'annotator')
    if (!name.value && typeof saved === 'string' && AnnotatorName.safeParse(saved).success) name.value = saved
  }

  /** Labels under `next` from now on (this browser, and the open project's default); false when it is no name. */
  function rename(next: string): boolean {
    const trimmed = next.trim()
    if (!AnnotatorName.safeParse(trimmed).success) {
      project.reportError(
        `annotator '${trimmed}': an annotator name is 1-64 letters, digits, dots, dashes or underscores`,
      )
      return false
    }
    name.value = trimmed
    localStorage.setItem(ANNOTATOR_KEY, trimmed)
    const dir = useRoundStore().dir
    if (dir) saveUiState(dir, 'annotator', trimmed, 0)
    return true
  }

  return { name, effective, recall, rename }
})
