/** How one attempt of one block ended. */
export interface TaskOutcome {
  index: number
  ok: boolean
  /** Why it failed, for the user: an exit status, or what the scheduler said. */
  reason: string
}

export interface TaskEvents {
  /** A short line when the tasks' states change ("2 running, 1 pending, 1 done"). */
  onStatus?: (line: string) => void
  /** A scheduler's own id for the submission, once known (Slurm's job id), so a user can follow it. */
  onSubmitted?: (id: string, indices: readonly number[]) => void
  signal?: AbortSignal
}

/** A way to run blocks: local processes or a cluster's job array. */
export interface TaskRunner {
  readonly name: string
  run(indices: readonly number[], events: TaskEvents): Promise<TaskOutcome[]>
}

export function statusLine(counts: Map<string, number>): string {
  return [...counts.entries()].map(([state, n]) => `${n} ${state}`).join(', ')
}
