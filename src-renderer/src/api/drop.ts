/**
 * Paths of files and folders dropped on the page. In Electron the preload resolves each dropped File to
 * its path (`window.activeem.pathForFile`); a browser never reveals a dropped file's path, so there only
 * a dragged path or file:// URL (text/uri-list, text/plain: from a terminal or some file managers) can
 * be used, and the web host reads the file itself by path. Structural types only: a DataTransfer fits,
 * and so does a test's plain object.
 */
import type { ActiveEmBridge } from '../../../src-shared/contract.ts'

export type DroppedFile = Blob & { readonly name: string }

/** The part of DataTransfer read here. */
export interface DropData {
  readonly files?: ArrayLike<DroppedFile> | null
  getData(format: string): string
}

type PathBridge = Pick<ActiveEmBridge, 'pathForFile'>

function pageBridge(): PathBridge | undefined {
  return (globalThis as { activeem?: ActiveEmBridge }).activeem
}

/** A local file:// URL as a path (Windows drive paths without the leading slash); anything else: null. */
export function fileUrlToPath(text: string): string | null {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return null
  }
  if (url.protocol !== 'file:' || (url.host !== '' && url.host !== 'localhost')) return null
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    return null
  }
  if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1)
  return usablePath(path)
}

function usablePath(path: string): string | null {
  if (path.includes('\0')) return null
  const absolute = path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\')
  if (!absolute) return null
  // A trailing separator (a folder dragged as text) is not part of the name.
  return path.length > 1 ? path.replace(/(?<=[^\\/:])[\\/]+$/, '') : path
}

function unquote(line: string): string {
  const m = /^(['"])(.*)\1$/.exec(line)
  return m ? m[2]! : line
}

function lines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}

/** Paths named by the dragged text: file:// URLs from text/uri-list, else absolute paths or file:// URLs from text/plain. */
export function textPaths(data: DropData): string[] {
  const read = (format: string): string => {
    try {
      return data.getData(format) ?? ''
    } catch {
      return ''
    }
  }
  const fromUris = lines(read('text/uri-list')).map(fileUrlToPath)
  const paths = fromUris.filter((p): p is string => p !== null)
  if (paths.length > 0) return paths
  return lines(read('text/plain'))
    .map(unquote)
    .map((l) => (l.startsWith('file:') ? fileUrlToPath(l) : usablePath(l)))
    .filter((p): p is string => p !== null)
}

function filePaths(files: ArrayLike<DroppedFile>, bridge: Required<PathBridge>): string[] {
  const paths: string[] = []
  for (let i = 0; i < files.length; i++) {
    const file = files[i]
    if (!file) continue
    try {
      const path = bridge.pathForFile(file)
      if (typeof path === 'string' && path !== '') paths.push(path)
    } catch {
      // Not backed by a file on disk: no path.
    }
  }
  return paths
}

/**
 * The paths of what was dropped, each once, in drop order; [] when nothing dropped has a usable path
 * (in a browser, dropped files alone never do). `bridge` defaults to the page's `window.activeem`.
 */
export function droppedPaths(
  data: DropData | null | undefined,
  bridge: PathBridge | undefined = pageBridge(),
): string[] {
  if (!data) return []
  const fromFiles =
    bridge?.pathForFile && data.files ? filePaths(data.files, bridge as Required<PathBridge>) : []
  const paths = fromFiles.length > 0 ? fromFiles : textPaths(data)
  return [...new Set(paths)]
}

/** The part of a drag event read here. */
export interface DragEventLike {
  readonly dataTransfer?: { readonly types?: ArrayLike<string> | null } | null
  preventDefault(): void
}

/** The part of window (or an element) `keepDropsOnPage` listens on. */
export interface DropTarget {
  addEventListener(type: 'dragover' | 'drop', listener: (event: DragEventLike) => void): void
  removeEventListener(type: 'dragover' | 'drop', listener: (event: DragEventLike) => void): void
}

function carriesFiles(event: DragEventLike): boolean {
  const types = event.dataTransfer?.types
  return !!types && Array.from(types).some((t) => t === 'Files' || t === 'text/uri-list')
}

/**
 * A browser opens a file dropped anywhere outside a drop zone in place of the page (Electron's
 * window refuses to navigate, but the page still should not try). Call once on `window`; drop zones
 * handle their own events first. Returns the function that removes the guard.
 */
export function keepDropsOnPage(target: DropTarget): () => void {
  const guard = (event: DragEventLike) => {
    if (carriesFiles(event)) event.preventDefault()
  }
  target.addEventListener('dragover', guard)
  target.addEventListener('drop', guard)
  return () => {
    target.removeEventListener('dragover', guard)
    target.removeEventListener('drop', guard)
  }
}
