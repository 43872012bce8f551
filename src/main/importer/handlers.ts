// STUB — to be implemented: imports.* handlers and crash recovery of interrupted imports.
import { ApiError, type ApiHandlers } from '../../shared/api'
import type { CoreContext } from '../context'

export function recoverInterruptedImports(_ctx: CoreContext): void {}

export function importHandlers(_ctx: CoreContext): ApiHandlers['imports'] {
  return {
    start: () => {
      throw new ApiError('unsupported', 'not implemented yet')
    },
  }
}
