// Types for import-graph.js (plain JS so that eslint.config.js can load it without a TS loader).
export function importsOf(text: string): string[]
export function resolveImport(file: string, spec: string): string | null
export function importGraph(roots: string[]): Map<string, string[]>
export function findCycles(graph: Map<string, string[]>): string[][]
export function shortName(root: string, file: string): string
