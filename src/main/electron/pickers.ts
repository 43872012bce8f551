// Native file and folder pickers, offered to the core as a host hook (system.pickPaths).
import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron'
import type { HostHooks } from '../context'

export function pickPathsHook(getWindow: () => BrowserWindow | null): NonNullable<HostHooks['pickPaths']> {
  return async ({ kind, multiple, title }) => {
    const properties: OpenDialogOptions['properties'] = [kind === 'folder' ? 'openDirectory' : 'openFile']
    if (multiple) properties.push('multiSelections')
    const options: OpenDialogOptions = { properties, title }
    const win = getWindow()
    const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options)
    return result.canceled ? [] : result.filePaths
  }
}
