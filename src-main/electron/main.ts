/**
 * Electron entry: app ready -> IPC, native menus (menu.ts) and the main window, its bounds remembered
 * (window-state.ts). Start it with `electron . [--project DIR]` after `npm run build` (or `npm run app`).
 */
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { app, BrowserWindow, dialog, ipcMain, Menu, screen, session, type OpenDialogOptions } from 'electron'
import type { ApiContext } from '../api/handlers.ts'
import { ProjectConnections } from '../api/project-connections.ts'
import { messageOf } from '../engine/errors.ts'
import { Project } from '../engine/store/index.ts'
import { registerIpc } from './ipc.ts'
import { menuTemplate, sendMenuCommand, volumeDialogOptions } from './menu.ts'
import { readWindowState, trackWindowState, writeWindowState } from './window-state.ts'
import { createMainWindow, lockDownContents } from './window.ts'

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

const ctx: ApiContext = {
  transport: 'ipc',
  project: projectArg(process.argv),
  projects: new ProjectConnections(),
}
let mainWindow: BrowserWindow | null = null

function isOwnPage(url: string | undefined): boolean {
  if (!url) return false
  if (DEV_URL) return url.startsWith(new URL(DEV_URL).origin + '/')
  return url.split(/[?#]/)[0] === pathToFileURL(RENDERER_FILE).href
}

async function showOpenDialog(options: OpenDialogOptions): Promise<string | null> {
  const picked = mainWindow
    ? await dialog.showOpenDialog(mainWindow, options)
    : await dialog.showOpenDialog(options)
  return picked.canceled ? null : (picked.filePaths[0] ?? null)
}

async function openProject(): Promise<void> {
  const dir = await showOpenDialog({ title: 'Open ActiveEM project', properties: ['openDirectory'] })
  if (!dir) return
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
  const template = menuTemplate(
    {
      openProject: () => void openProject(),
      pickVolume: (source) => showOpenDialog(volumeDialogOptions(source)),
      send: (command) => void sendMenuCommand(mainWindow, command),
    },
    { dev: !app.isPackaged },
  )
  return Menu.buildFromTemplate(template)
}

function createWindow(): void {
  const stateFile = join(app.getPath('userData'), 'window-state.json')
  const workAreas = screen.getAllDisplays().map((d) => d.workArea)
  const win = createMainWindow(
    { BrowserWindow, session },
    {
      preload: PRELOAD,
      renderer: DEV_URL ? { url: DEV_URL } : { file: RENDERER_FILE },
      state: readWindowState(stateFile, workAreas),
    },
  )
  trackWindowState(win, (state) => writeWindowState(stateFile, state))
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  mainWindow = win
}

app.enableSandbox()

// Every web contents, not only the main window's, stays on the app's page and opens no windows.
app.on('web-contents-created', (_event, contents) => lockDownContents(contents))

app.on('window-all-closed', () => app.quit())

// The last labels sent are committed and the project databases closed (their WAL checkpointed) at quit.
app.on('will-quit', () => ctx.projects?.close())

void app.whenReady().then(() => {
  registerIpc(ipcMain, ctx, { isTrustedSender: (event) => isOwnPage(event.senderFrame?.url) })
  Menu.setApplicationMenu(buildMenu())
  createWindow()
})
