import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  droppedPaths,
  fileUrlToPath,
  keepDropsOnPage,
  type DragEventLike,
  type DropData,
  type DroppedFile,
} from '../../../src-renderer/src/api/drop.ts'

/** A DataTransfer as the page sees it: dropped files plus whatever text formats the source offered. */
function dataTransfer(files: DroppedFile[], text: Record<string, string> = {}): DropData {
  return { files, getData: (format) => text[format] ?? '' }
}

/** The Electron preload's pathForFile: paths for files from disk, '' for files made in JS. */
const electronBridge = {
  pathForFile: (file: DroppedFile) => (file.name.startsWith('js-') ? '' : `/data/${file.name}`),
}

const file = (name: string) => new File([], name)

test('Electron: dropped files and folders resolve to their paths, each once, in order', () => {
  const dropped = dataTransfer([file('em.h5'), file('labels.zarr'), file('em.h5')])
  assert.deepEqual(droppedPaths(dropped, electronBridge), ['/data/em.h5', '/data/labels.zarr'])
})

test('Electron: files with no path on disk are left out; text is the fallback', () => {
  assert.deepEqual(droppedPaths(dataTransfer([file('js-made')]), electronBridge), [])
  const withText = dataTransfer([file('js-made')], { 'text/plain': '/data/raw.h5' })
  assert.deepEqual(droppedPaths(withText, electronBridge), ['/data/raw.h5'])
  const throwing = {
    pathForFile: () => {
      throw new TypeError('not a File')
    },
  }
  assert.deepEqual(droppedPaths(dataTransfer([file('x')]), throwing), [])
})

test('browser: dropped files alone give no path', () => {
  assert.deepEqual(droppedPaths(dataTransfer([file('em.h5')]), undefined), [])
  assert.deepEqual(droppedPaths(dataTransfer([file('em.h5')]), {}), [], 'a bridge without pathForFile')
  assert.deepEqual(droppedPaths(null, electronBridge), [])
})

test('browser: file:// URLs from text/uri-list, decoded, comments and other schemes skipped', () => {
  const dropped = dataTransfer([file('em.h5')], {
    'text/uri-list': [
      '# dragged from a file manager',
      'file:///data/my%20volume.h5',
      'file://localhost/data/labels.zarr/',
      'https://example.com/em.h5',
      'file://server/share/x.h5',
      'file:///data/bad%E0%A4%A.h5',
      '',
    ].join('\r\n'),
    'text/plain': '/ignored/when/uri-list/has/paths',
  })
  assert.deepEqual(droppedPaths(dropped, undefined), ['/data/my volume.h5', '/data/labels.zarr'])
})

test('browser: absolute paths or file URLs from text/plain; relative paths and words are not paths', () => {
  const dropped = dataTransfer([], {
    'text/plain': [
      "'/data/with space.h5'",
      '"/data/quoted.zarr"',
      '/data/stack/',
      'file:///data/from-url.tif',
      'C:\\EM\\cell.h5',
      'relative/path.h5',
      'hello',
      '/',
    ].join('\n'),
  })
  assert.deepEqual(droppedPaths(dropped, undefined), [
    '/data/with space.h5',
    '/data/quoted.zarr',
    '/data/stack',
    '/data/from-url.tif',
    'C:\\EM\\cell.h5',
    '/',
  ])
  assert.deepEqual(droppedPaths(dataTransfer([], { 'text/plain': 'just some words' }), undefined), [])
})

test('a getData that throws (protected drag data) gives no path instead of an error', () => {
  const protectedData: DropData = {
    files: [],
    getData: () => {
      throw new Error('protected')
    },
  }
  assert.deepEqual(droppedPaths(protectedData, undefined), [])
})

test('fileUrlToPath: Windows drive letters lose the leading slash; NUL is never a path', () => {
  assert.equal(fileUrlToPath('file:///C:/EM/cell%231.h5'), 'C:/EM/cell#1.h5')
  assert.equal(fileUrlToPath('file:///data/a%00b.h5'), null)
  assert.equal(fileUrlToPath('not a url'), null)
  assert.equal(fileUrlToPath('http://localhost/data/x.h5'), null)
})

test('without a bridge argument the page bridge (window.activeem) is used', () => {
  const g = globalThis as { activeem?: unknown }
  g.activeem = electronBridge
  try {
    assert.deepEqual(droppedPaths(dataTransfer([file('em.h5')])), ['/data/em.h5'])
  } finally {
    delete g.activeem
  }
  assert.deepEqual(droppedPaths(dataTransfer([file('em.h5')])), [])
})

test('keepDropsOnPage stops file drops outside drop zones from replacing the page, and can be removed', () => {
  const listeners = new Map<string, ((e: DragEventLike) => void)[]>()
  const target = {
    addEventListener: (type: string, l: (e: DragEventLike) => void) =>
      listeners.set(type, [...(listeners.get(type) ?? []), l]),
    removeEventListener: (type: string, l: (e: DragEventLike) => void) =>
      listeners.set(
        type,
        (listeners.get(type) ?? []).filter((x) => x !== l),
      ),
  }
  const fire = (type: string, types: string[] | null): boolean => {
    let prevented = false
    const event = { dataTransfer: types ? { types } : null, preventDefault: () => (prevented = true) }
    for (const l of listeners.get(type) ?? []) l(event)
    return prevented
  }
  const remove = keepDropsOnPage(target)
  assert.equal(fire('dragover', ['Files']), true)
  assert.equal(fire('drop', ['Files']), true)
  assert.equal(fire('drop', ['text/uri-list']), true)
  assert.equal(fire('drop', ['text/plain']), false, 'dragging text into a field still works')
  assert.equal(fire('drop', null), false)
  remove()
  assert.equal(fire('drop', ['Files']), false)
})
