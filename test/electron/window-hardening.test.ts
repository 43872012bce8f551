// The window's webPreferences as written in src/main/electron/window.ts (read with the
// TypeScript parser: the file imports electron, which does not run under Node), and when
// the app counts as production. Electron's security checklist: isolation, sandbox, no Node,
// web security, no webviews; and no DevTools in a production build.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { isProduction } from '../../src/main/electron/production'

const file = fileURLToPath(new URL('../../src/main/electron/window.ts', import.meta.url))

/** Each `new BrowserWindow({...})`'s webPreferences: property name → its source text. */
function webPreferencesOf(source: string): Map<string, string>[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true)
  const found: Map<string, string>[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && node.expression.getText(sf) === 'BrowserWindow') {
      const options = node.arguments?.[0]
      const prefs = options && ts.isObjectLiteralExpression(options) ? options.properties.find((p) => p.name?.getText(sf) === 'webPreferences') : undefined
      const map = new Map<string, string>()
      if (prefs && ts.isPropertyAssignment(prefs) && ts.isObjectLiteralExpression(prefs.initializer)) {
        for (const p of prefs.initializer.properties) if (ts.isPropertyAssignment(p)) map.set(p.name.getText(sf), p.initializer.getText(sf))
      }
      found.push(map)
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return found
}

describe('the window', () => {
  const windows = webPreferencesOf(readFileSync(file, 'utf8'))

  it('is one BrowserWindow whose webPreferences are written out where a scanner sees them', () => {
    expect(windows).toHaveLength(1)
    expect(windows[0].size).toBeGreaterThan(0)
  })

  it('is isolated, sandboxed, without Node, with web security, without webviews', () => {
    const p = windows[0]
    expect(p.get('contextIsolation')).toBe('true')
    expect(p.get('sandbox')).toBe('true')
    expect(p.get('nodeIntegration')).toBe('false')
    expect(p.get('nodeIntegrationInWorker')).toBe('false')
    expect(p.get('webSecurity')).toBe('true')
    expect(p.get('allowRunningInsecureContent')).toBe('false')
    expect(p.get('webviewTag')).toBe('false')
    expect(p.get('navigateOnDragDrop')).toBe('false')
    expect(p.has('experimentalFeatures')).toBe(false)
    expect(p.has('enableBlinkFeatures')).toBe(false)
  })

  it('has no DevTools in production', () => {
    expect(windows[0].get('devTools')).toBe('!isProduction(app.isPackaged)')
  })
})

describe('isProduction', () => {
  it('is a packaged app, or one run with POSTERITY_PRODUCTION', () => {
    expect(isProduction(true, {})).toBe(true)
    expect(isProduction(false, { POSTERITY_PRODUCTION: '1' })).toBe(true)
    expect(isProduction(false, {})).toBe(false)
    expect(isProduction(false, { POSTERITY_PRODUCTION: '' })).toBe(false)
  })
})
