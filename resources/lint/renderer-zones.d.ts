// Types for renderer-zones.js (plain JS so that eslint.config.js can load it without a TS loader).
export function rendererZoneViolation(from: string[], to: string[]): string | null
