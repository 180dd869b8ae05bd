/**
 * Stable small integers for the items a virtual list shows: an item keeps its slot while it stays
 * shown, and an item that comes into view takes a slot freed by one that left (the lowest first), so
 * components keyed by slot are reused as the window moves instead of being destroyed and rebuilt.
 */
export class SlotPool {
  private readonly slotOf = new Map<number, number>()
  /** Freed slots, highest first (the lowest is popped). */
  private free: number[] = []
  private next = 0

  /** Slots for the distinct `ids` shown now; ids no longer shown give theirs back. */
  assign(ids: readonly number[]): ReadonlyMap<number, number> {
    const shown = new Set(ids)
    for (const [id, slot] of this.slotOf) {
      if (shown.has(id)) continue
      this.slotOf.delete(id)
      this.free.push(slot)
    }
    this.free.sort((a, b) => b - a)
    for (const id of ids) if (!this.slotOf.has(id)) this.slotOf.set(id, this.free.pop() ?? this.next++)
    return this.slotOf
  }

  /** Slots ever handed out: the most items shown at once. */
  get size(): number {
    return this.next
  }
}
