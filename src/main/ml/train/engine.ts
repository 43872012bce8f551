// A head engine: where one training's steps compute (head.ts runs the epochs, early
// stopping and snapshots around it). TensorFlow.js's (head-tf.ts) and onnxruntime's
// (head-onnx.ts); head-engine.ts picks one.
import type { HeadLossName } from '../../../shared/api'

/** What an engine needs to build a head's step: shapes, loss, and the initial parameters. */
export interface HeadEngineSpec {
  dims: number
  genres: number
  hidden: number
  loss: HeadLossName
  weightDecay: number
  /** The asymmetric loss's focusing and clip (head.ts HeadConfig). */
  aslGammaNeg: number
  aslClip: number
  /** [W1, b1] or [W1, b1, W2, b2], row-major. */
  init: Float32Array[]
  /** Per-genre positive weight (the balanced loss). */
  posWeight: Float32Array
}

/** One training's steps: batches and held-out rows given once, standardised. */
export interface HeadEngine {
  readonly name: string
  addBatch(x: Float32Array, y: Float32Array, n: number): void
  /** Rows predicted after every epoch (early stopping, validation); returns the set's index. */
  addHeld(x: Float32Array, n: number): number
  /** One Adam step on batch `i` at the bias-corrected rate `lr`; the batch's mean cross-entropy. */
  step(i: number, lr: number): Promise<number>
  /** Probabilities of held-out set `i` with the current parameters. */
  predictHeld(i: number): Promise<Float32Array>
  /** Copies of the current parameters, in `init`'s order. */
  weights(): Float32Array[]
  dispose(): void
}

export type HeadEngineFactory = (spec: HeadEngineSpec) => Promise<HeadEngine>
