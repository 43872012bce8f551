// What a training reports while it runs (from the worker to the core): one report per epoch,
// and for models whose epochs take minutes (the CNN) the running loss inside the epoch.
import type { EpochReport } from './head'

/** Training inside an epoch: the running loss. */
export interface BatchReport {
  epoch: number
  batch: number
  batches: number
  loss: number
  /** Seconds since the epoch started. */
  seconds: number
}

export type TrainProgress = {
  member: number
  members: number
  maxEpochs: number
  backend: string
} & ({ report: EpochReport; batch?: undefined } | { batch: BatchReport; report?: undefined })
