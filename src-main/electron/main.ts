/**
 * Electron entry: app ready -> IPC + main window, and a minimal menu. Start it with
 * `electron . [--project DIR]` after `npm run build` (or `npm run app`).
 */
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, Menu, session, type MenuItemConstructorOptions } from 'electron'
import type { ApiContext } from '../api/handlers.ts'
import { messageOf } from '../engine/errors.ts'
import { Project } from '../engine/store/index.ts'
import { registerIpc } from './ipc.ts'
import { createMainWindow } from './window.ts'

const here = dirname(fileURLToPath(import.meta.url))
const PRELOAD = join(here, '../preload/index.cjs')
const RENDERER_FILE = join(here, '../renderer/index.html')
const DEV_URL = !app.isPackaged ? (process.env.ELECTRON_RENDERER_URL ?? null) : null

function projectArg(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--project') return argv[i + 1] ?? null
    if (arg.startsWith('--project=')) return arg.slice('--project='.length)
  }
  return null
}

const ctx: ApiContext = { transport: 'ipc', project: projectArg(process.argv) }
let mainWindow: BrowserWindow | null = null

function isOwnPage(url: string | undefined): boolean {
  if (!url) return false
  if (DEV_URL) return url.startsWith(new URL(DEV_URL).origin + '/')
  return url.split(/[?#]/)[0] === pathToFileURL(RENDERER_FILE).href
}

async function openProject(): Promise<void> {
  const options = { title: 'Open ActiveEM project', properties: ['openDirectory' as const] }
  const picked = mainWindow
    ? await dialog.showOpenDialog(mainWindow, options)
    : await dialog.showOpenDialog(options)
  const dir = picked.filePaths[0]
  if (picked.canceled || !dir) return
  try {
    Project.open(dir).close()
  } catch (e) {
    dialog.showErrorBox('Cannot open project', messageOf(e))
    return
  }
  ctx.project = dir
  mainWindow?.webContents.reload() // the page opens app.info's project at start
}

function buildMenu(): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open project...', accelerator: 'CmdOrCtrl+O', click: () => void openProject() },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
  ]
  return Menu.buildFromTemplate(template)
}

app.enableSandbox()

// Every web contents, not only the main window's, stays on the app's page and opens no windows.
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }))
  contents.on('will-navigate', (event) => event.preventDefault())
})

app.on('window-all-closed', () => app.quit())

void app.whenReady().then(() => {
  registerIpc(ipcMain, ctx, { isTrustedSender: (event) => isOwnPage(event.senderFrame?.url) })
  Menu.setApplicationMenu(buildMenu())
  mainWindow = createMainWindow(
    { BrowserWindow, session },
    { preload: PRELOAD, renderer: DEV_URL ? { url: DEV_URL } : { file: RENDERER_FILE } },
  )
  mainWindow.on('closed', () => {
    mainWindow = null
  })
})
