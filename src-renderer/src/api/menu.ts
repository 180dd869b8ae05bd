/**
 * Native menu commands (File > Import volume..., View > Jobs, ...) for the page. Electron only: in a
 * browser there is no native menu, and subscribing does nothing.
 */
import { MenuCommand, type ActiveEmBridge } from '../../../src-shared/contract.ts'

type MenuBridge = Pick<ActiveEmBridge, 'onMenu'>

function pageBridge(): MenuBridge | undefined {
  return (globalThis as { activeem?: ActiveEmBridge }).activeem
}

/**
 * Calls `handler` with each menu command until the returned function is called. Commands are checked
 * against the contract once more here, so the handler can trust their shape whatever bridge is present.
 */
export function subscribeMenu(
  handler: (command: MenuCommand) => void,
  bridge: MenuBridge | undefined = pageBridge(),
): () => void {
  if (!bridge?.onMenu) return () => {}
  const unsubscribe = bridge.onMenu((raw) => {
    const parsed = MenuCommand.safeParse(raw)
    if (parsed.success) handler(parsed.data)
    else console.warn('ActiveEM: ignored a malformed menu command')
  })
  return typeof unsubscribe === 'function' ? unsubscribe : () => {}
}
