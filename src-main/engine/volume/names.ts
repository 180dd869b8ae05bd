import { existsSync } from 'node:fs'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * A file name as we list it: UTF-8 names as they are, others with each byte outside ASCII written
 * \xHH, so one odd name neither breaks a listing nor turns into a replacement character that can
 * never be opened again.
 */
export function escapeName(raw: Uint8Array): string {
  try {
    return decoder.decode(raw)
  } catch {
    let out = ''
    for (const b of raw) out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${hex(b)}`
    return out
  }
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0')
}

/** The bytes an escaped name stands for (\xHH back to the byte). */
export function unescapeName(name: string): Buffer {
  const parts: Buffer[] = []
  let last = 0
  for (const m of name.matchAll(/\\x([0-9a-fA-F]{2})/g)) {
    parts.push(Buffer.from(name.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1]!, 16)]))
    last = m.index + m[0].length
  }
  parts.push(Buffer.from(name.slice(last), 'utf8'))
  return Buffer.concat(parts)
}

/** A path as fs takes it: a string while every part is text, bytes once a part is a non-UTF-8 name. */
export type FsPath = string | Buffer

/** `dir`/`name`, for string and byte paths alike. */
export function childPath(dir: FsPath, name: string | Uint8Array): FsPath {
  if (typeof dir === 'string' && typeof name === 'string') return `${dir}/${name}`
  return Buffer.concat([
    Buffer.from(dir),
    Buffer.from('/'),
    typeof name === 'string' ? Buffer.from(name, 'utf8') : name,
  ])
}

/**
 * The on-disk path of `segments` under `root`: each segment as typed when that exists, else as the
 * bytes its escapes stand for. A Buffer, because fs takes non-UTF-8 paths only as bytes.
 */
export function resolveEscaped(root: string, segments: string[]): Buffer {
  let path: FsPath = Buffer.from(root, 'utf8')
  for (const segment of segments) {
    const literal = childPath(path, segment)
    path = existsSync(literal) ? literal : childPath(path, unescapeName(segment))
  }
  return path as Buffer
}
