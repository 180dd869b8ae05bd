/**
 * The native menus. The template is built from a small set of actions so tests can click every item;
 * main.ts supplies the real dialogs and the window. Menu commands reach the page on MENU_CHANNEL, checked
 * against the contract here and again in the preload.
 */
import type { MenuItemConstructorOptions, OpenDialogOptions } from 'electron'
import { MENU_CHANNEL, MenuCommand, SCREENS } from '../../src-shared/contract.ts'

export type VolumeSource = 'file' | 'folder'

export interface MenuActions {
  openProject(): void
  /** Shows an open dialog (`volumeDialogOptions(source)`); the picked path, or null when cancelled. */
  pickVolume(source: VolumeSource): Promise<string | null>
  /** Sends a command to the page (`sendMenuCommand`). */
  send(command: MenuCommand): void
}

export interface MenuOptions {
  platform?: NodeJS.Platform
  /** Adds reload and devtools to View (unpackaged builds only). */
  dev?: boolean
}

/** HDF5 (and TIFF) volumes are files; Zarr arrays and image stacks are folders. */
export function volumeDialogOptions(source: VolumeSource): OpenDialogOptions {
  if (source === 'folder') {
    return { title: 'Import volume: Zarr or image-stack folder', properties: ['openDirectory'] }
  }
  return {
    title: 'Import volume: HDF5 or TIFF file',
    properties: ['openFile'],
    filters: [
      { name: 'HDF5', extensions: ['h5', 'hdf5', 'hdf'] },
      { name: 'TIFF', extensions: ['tif', 'tiff'] },
    ],
  }
}

export function menuTemplate(actions: MenuActions, options: MenuOptions = {}): MenuItemConstructorOptions[] {
  const mac = (options.platform ?? process.platform) === 'darwin'
  const importVolume = async (source: VolumeSource): Promise<void> => {
    const path = await actions.pickVolume(source)
    if (path) actions.send({ command: 'import-volume', path })
  }
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open project...', accelerator: 'CmdOrCtrl+O', click: () => actions.openProject() },
        {
          label: 'Import volume',
          submenu: [
            {
              label: 'HDF5 or TIFF file...',
              accelerator: 'CmdOrCtrl+I',
              click: () => void importVolume('file'),
            },
            { label: 'Zarr or image-stack folder...', click: () => void importVolume('folder') },
          ],
        },
        {
          label: 'Export...',
          accelerator: 'CmdOrCtrl+E',
          click: () => actions.send({ command: 'export' }),
        },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        ...SCREENS.map(({ id, title, key }): MenuItemConstructorOptions => ({
          label: title,
          accelerator: key,
          click: () => actions.send({ command: 'show-screen', screen: id }),
        })),
        ...(options.dev
          ? [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]
          : []),
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      role: 'help',
      submenu: [{ label: 'Keyboard shortcuts', click: () => actions.send({ command: 'show-help' }) }],
    },
  ]
}

/** The part of a window (webContents.send) commands are sent through. */
export interface CommandTarget {
  webContents: { send(channel: string, ...args: unknown[]): void }
  isDestroyed?(): boolean
}

/** Sends a command the contract accepts; anything else is reported and not sent. Returns whether it was sent. */
export function sendMenuCommand(target: CommandTarget | null, command: MenuCommand): boolean {
  const parsed = MenuCommand.safeParse(command)
  if (!parsed.success) {
    console.error('ActiveEM: refused to send a malformed menu command', command)
    return false
  }
  if (!target || target.isDestroyed?.()) return false
  target.webContents.send(MENU_CHANNEL, parsed.data)
  return true
}
