import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { MenuItemConstructorOptions } from 'electron'
import { MENU_CHANNEL, type MenuCommand } from '../../src-shared/contract.ts'
import {
  menuTemplate,
  sendMenuCommand,
  volumeDialogOptions,
  type MenuActions,
  type VolumeSource,
} from '../../src-main/electron/menu.ts'

type Item = MenuItemConstructorOptions

function fakeActions(picked: string | null = '/data/em.h5') {
  const record = { sent: [] as MenuCommand[], opened: 0, picks: [] as VolumeSource[] }
  const actions: MenuActions = {
    openProject: () => record.opened++,
    pickVolume: async (source) => {
      record.picks.push(source)
      return picked
    },
    send: (command) => record.sent.push(command),
  }
  return { actions, record }
}

function submenu(item: Item | undefined): Item[] {
  assert.ok(item && Array.isArray(item.submenu), `${item?.label ?? item?.role} has a submenu`)
  return item.submenu as Item[]
}

function find(items: Item[], path: string[]): Item {
  let level = items
  let found: Item | undefined
  for (const label of path) {
    found = level.find((i) => i.label === label || (i.role === 'help' && label === 'Help'))
    assert.ok(found, `menu item ${path.join(' > ')} exists`)
    level = Array.isArray(found.submenu) ? (found.submenu as Item[]) : []
  }
  return found!
}

/** Clicks as Electron would (a click handler gets the item, the window and the event). */
async function click(item: Item): Promise<void> {
  assert.equal(typeof item.click, 'function', `${item.label} is clickable`)
  ;(item.click as () => void)()
  await new Promise((resolve) => setImmediate(resolve)) // let a dialog's promise settle
}

test('File: open project, import a volume file or folder, export, quit', async () => {
  const { actions, record } = fakeActions()
  const template = menuTemplate(actions, { platform: 'linux' })
  assert.equal(template[0]?.label, 'File', 'no app menu outside macOS')

  await click(find(template, ['File', 'Open project...']))
  assert.equal(record.opened, 1)
  assert.deepEqual(record.sent, [], 'opening a project is done by main, not sent to the page')

  await click(find(template, ['File', 'Import volume', 'HDF5 or TIFF file...']))
  await click(find(template, ['File', 'Import volume', 'Zarr or image-stack folder...']))
  assert.deepEqual(record.picks, ['file', 'folder'])
  assert.deepEqual(record.sent, [
    { command: 'import-volume', path: '/data/em.h5' },
    { command: 'import-volume', path: '/data/em.h5' },
  ])

  await click(find(template, ['File', 'Export...']))
  assert.deepEqual(record.sent.at(-1), { command: 'export' })
  assert.ok(
    submenu(find(template, ['File'])).some((i) => i.role === 'quit'),
    'File ends with Quit',
  )
})

test('a cancelled import dialog sends nothing', async () => {
  const { actions, record } = fakeActions(null)
  await click(
    find(menuTemplate(actions, { platform: 'linux' }), ['File', 'Import volume', 'HDF5 or TIFF file...']),
  )
  assert.deepEqual(record.picks, ['file'])
  assert.deepEqual(record.sent, [])
})

test('View switches screens with F1-F4; Help shows the keyboard shortcuts', async () => {
  const { actions, record } = fakeActions()
  const template = menuTemplate(actions, { platform: 'linux' })
  const screens = [
    ['Project', 'F1', 'project'],
    ['Viewer', 'F2', 'viewer'],
    ['Queries', 'F3', 'queries'],
    ['Jobs', 'F4', 'jobs'],
  ] as const
  for (const [label, key, screen] of screens) {
    const item = find(template, ['View', label])
    assert.equal(item.accelerator, key)
    await click(item)
    assert.deepEqual(record.sent.at(-1), { command: 'show-screen', screen })
  }
  await click(find(template, ['Help', 'Keyboard shortcuts']))
  assert.deepEqual(record.sent.at(-1), { command: 'show-help' })
  assert.equal(
    submenu(find(template, ['View'])).some((i) => i.role === 'toggleDevTools'),
    false,
    'no devtools in a packaged build',
  )
  assert.ok(
    submenu(find(menuTemplate(actions, { platform: 'linux', dev: true }), ['View'])).some(
      (i) => i.role === 'toggleDevTools',
    ),
  )
})

test('every accelerator is used once', () => {
  const accelerators: string[] = []
  const walk = (items: Item[]) => {
    for (const i of items) {
      if (i.accelerator) accelerators.push(String(i.accelerator))
      if (Array.isArray(i.submenu)) walk(i.submenu as Item[])
    }
  }
  walk(menuTemplate(fakeActions().actions, { platform: 'linux', dev: true }))
  assert.deepEqual(accelerators, [...new Set(accelerators)])
})

test('macOS: the app menu comes first, File closes the window instead of quitting', () => {
  const template = menuTemplate(fakeActions().actions, { platform: 'darwin' })
  assert.equal(template[0]?.role, 'appMenu')
  const file = submenu(find(template, ['File']))
  assert.ok(file.some((i) => i.role === 'close'))
  assert.ok(!file.some((i) => i.role === 'quit'))
})

test('the import dialogs: HDF5/TIFF files, or a folder (Zarr, image stack)', () => {
  const file = volumeDialogOptions('file')
  assert.deepEqual(file.properties, ['openFile'])
  assert.deepEqual(
    file.filters?.flatMap((f) => f.extensions),
    ['h5', 'hdf5', 'hdf', 'tif', 'tiff'],
  )
  const folder = volumeDialogOptions('folder')
  assert.deepEqual(folder.properties, ['openDirectory'])
  assert.equal(folder.filters, undefined)
})

test('sendMenuCommand sends only commands the contract accepts', () => {
  const sent: unknown[][] = []
  const target = { webContents: { send: (...args: unknown[]) => sent.push(args) }, isDestroyed: () => false }
  assert.equal(sendMenuCommand(target, { command: 'show-screen', screen: 'jobs' }), true)
  assert.deepEqual(sent, [[MENU_CHANNEL, { command: 'show-screen', screen: 'jobs' }]])

  const error = console.error
  console.error = () => {}
  try {
    for (const bad of [
      { command: 'import-volume', path: '' },
      { command: 'show-screen', screen: 'settings' },
      { command: 'eval', code: 'x' },
    ]) {
      assert.equal(sendMenuCommand(target, bad as MenuCommand), false, JSON.stringify(bad))
    }
  } finally {
    console.error = error
  }
  assert.equal(sent.length, 1, 'nothing malformed was sent')

  assert.equal(sendMenuCommand(null, { command: 'export' }), false, 'no window: nothing to send to')
  assert.equal(sendMenuCommand({ ...target, isDestroyed: () => true }, { command: 'export' }), false)
  assert.equal(sent.length, 1)
})
