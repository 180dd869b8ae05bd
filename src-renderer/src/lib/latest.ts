/**
 * The stale-reply guard: each request takes a ticket, and its reply is used only while that ticket is
 * still the latest, so a slow earlier reply never overwrites a later one.
 */
export interface LatestOnly {
  /** A ticket for a new request; every ticket handed out before is stale from now on. */
  next(): () => boolean
  /** A ticket that shares the latest request's fate: stale once `next` is called again. */
  current(): () => boolean
}

export function latestOnly(): LatestOnly {
  let latest = 0
  const ticket = (n: number) => (): boolean => n === latest
  return {
    next: () => ticket(++latest),
    current: () => ticket(latest),
  }
}
