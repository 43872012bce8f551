// The e2e tests use the shared harness; without Chromium they skip, saying so once.
import { CHROMIUM, hasChromium } from '../../scripts/harness'

export * from '../../scripts/harness'

if (!hasChromium) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`)
