/** The part of a key event's target read here: an element has both, a window or document neither. */
interface KeyTarget {
  readonly tagName?: string
  readonly isContentEditable?: boolean
}

const TEXT_FIELDS = new Set(['INPUT', 'TEXTAREA', 'SELECT'])

/** Whether a key went to a field the user types in (or picks from), so the page's own keys stay out of it. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as KeyTarget | null
  return !!el && (el.isContentEditable === true || TEXT_FIELDS.has(el.tagName ?? ''))
}
