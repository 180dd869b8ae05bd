/**
 * A read that many events may ask for at once: while one run is in flight, asks are remembered as one
 * more run after it, so a burst of events costs at most two reads and the last one sees every change.
 * (Dropping replies overtaken by newer requests instead would starve a list whose reads take longer
 * than the events' spacing.)
 */
export function coalesced(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null
  let again = false
  const run = (): Promise<void> => {
    if (running) {
      again = true
      return running
    }
    running = (async () => {
      try {
        do {
          again = false
          await work()
        } while (again)
      } finally {
        running = null
      }
    })()
    return running
  }
  return run
}
