// Whether the desktop app runs as people get it (packaged, or told to behave so with
// POSTERITY_PRODUCTION) rather than from a checkout under `electron-vite dev`. No electron
// import: the app passes app.isPackaged, tests a boolean.

export function isProduction(packaged: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return packaged || !!env.POSTERITY_PRODUCTION
}
