// The summary figures of a run, in the order the Train view lists them, with their names.
import type { MetricSummary } from '../../../../shared/api'

export const METRICS: readonly (readonly [keyof MetricSummary, string])[] = [
  ['macroAp', 'macro-AP'],
  ['microAp', 'micro-AP'],
  ['macroF1', 'macro-F1'],
  ['microF1', 'micro-F1'],
  ['hit1', 'hit@1'],
  ['hit3', 'hit@3'],
]
