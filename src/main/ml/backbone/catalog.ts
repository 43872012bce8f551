// The backbone catalog: what a backbone file is, where it comes from, how to feed it, and
// which tensor is its embedding. Feature sets say which taps and views make a feature vector.

/** How a backbone's input is normalised: its square size, and the per-channel mean and std. */
export interface Preprocessing {
  size: number
  mean: [number, number, number]
  std: [number, number, number]
}

/** How a poster is fitted into the square input: stretched whole, or centre-cropped. */
export type ResizeView = 'fill' | 'cover'

/** Input size in pixels; posters are taller than wide, so a backbone may be fed a tall input. */
export interface InputSize {
  width: number
  height: number
}

export interface BackboneEntry {
  id: string
  title: string
  file: string
  /** The published file's checksum: a download must match it. */
  sha256: string
  bytes: number
  url: string
  license: string
  input: { name: string; shape: [number, number, number] }
  preprocessing: Preprocessing
  /** How the embedding is obtained: structurally, as the input of the final classifier. */
  embedding: { tensor: 'classifier-input'; dims: number; dequantize: boolean }
  /** Channel counts of the inner stage outputs available as extra pooled features. */
  innerStages: number[]
}

export const MOBILENET_V2: BackboneEntry = {
  id: 'mobilenetv2-12-int8',
  title: 'MobileNetV2-1.0 (ImageNet, int8, ONNX Model Zoo)',
  file: 'mobilenetv2-12-int8.onnx',
  sha256: 'cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f',
  bytes: 3_655_033,
  url: 'https://github.com/onnx/models/raw/main/validated/vision/classification/mobilenet/model/mobilenetv2-12-int8.onnx',
  license: 'Apache-2.0',
  input: { name: 'input', shape: [3, 224, 224] },
  preprocessing: { size: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  embedding: { tensor: 'classifier-input', dims: 1280, dequantize: true },
  innerStages: [32, 64, 96, 160, 320],
}

export const BACKBONES: BackboneEntry[] = [MOBILENET_V2]
export const DEFAULT_BACKBONE = MOBILENET_V2.id

export function backboneById(id: string): BackboneEntry {
  const b = BACKBONES.find((x) => x.id === id)
  if (!b) throw new Error(`unknown backbone ${id}`)
  return b
}

export interface FeatureSet {
  /** Cache key part: change it whenever the vector would change. */
  version: string
  inner: boolean
  views: ResizeView[]
  /** Average each view with its mirror image. */
  mirror: boolean
  /** Input size when not the backbone's square default (the graph input is re-declared). */
  input?: InputSize
}

export const FEATURE_SETS: Record<string, FeatureSet> = {
  // The plain pooled embedding of the stretched poster: one pass.
  pooled: { version: 'pooled-v1', inner: false, views: ['fill'], mirror: false },
  // Pooled + GAP of five inner stages, same single pass.
  multiscale: { version: 'ms-v1', inner: true, views: ['fill'], mirror: false },
  // Multiscale from a 224×320 (w×h) input, close to a poster's shape instead of stretching it
  // square: one pass at 1.43x the pixels; +0.011 macro-AP on the shared posters (the default).
  'multiscale-tall': { version: 'ms-tall-224x320-v1', inner: true, views: ['fill'], mirror: false, input: { width: 224, height: 320 } },
  'multiscale-tall-flip': { version: 'ms-tall-flip-224x320-v1', inner: true, views: ['fill'], mirror: true, input: { width: 224, height: 320 } },
  // The stretched and the centre-cropped 224×320 resizes side by side: two passes.
  'multiscale-tall-fc': { version: 'ms-tall-fc-224x320-v1', inner: true, views: ['fill', 'cover'], mirror: false, input: { width: 224, height: 320 } },
  // Both resizes, each averaged with its mirror image, side by side: four passes
  // (bench/accuracy.ts `fill+cover`: the accuracy cache's views, combined as here).
  'multiscale-tall-rich': { version: 'ms-tall-rich-224x320-v1', inner: true, views: ['fill', 'cover'], mirror: true, input: { width: 224, height: 320 } },
  // Multiscale averaged with the mirrored poster: two passes.
  'multiscale-flip': { version: 'ms-flip-v1', inner: true, views: ['fill'], mirror: true },
  // Multiscale, averaged with the mirrored poster, for stretched and centre-cropped resizes: four passes.
  rich: { version: 'ms-flip-crop-v1', inner: true, views: ['fill', 'cover'], mirror: true },
}
export type FeatureSetName = keyof typeof FEATURE_SETS
// The default since the second accuracy round (bench/accuracy.ts, README "Measurements"): with
// titles and the fold ensemble, +0.027 / +0.026 / +0.035 held-out macro-AP over the one-pass
// recipe on three grouped splits, at 2.4-3.7x its embedding time (bench/embed-views.ts).
// POSTERITY_FEATURES=multiscale-tall keeps the one-pass features.
export const DEFAULT_FEATURES: FeatureSetName = 'multiscale-tall-rich'

// The quick first model's features (TrainRequest.quick, import with embed: true): one pass of
// the stretched 224x320 poster, so a first model is active within a minute; the
// cross-validated run that replaces it uses DEFAULT_FEATURES.
export const FIRST_FEATURES: FeatureSetName = 'multiscale-tall'

/** The catalog's feature set of a cache / run version, or undefined for an unknown one. */
export function featureSetByVersion(version: string): FeatureSet | undefined {
  return Object.values(FEATURE_SETS).find((f) => f.version === version)
}

export function featureDims(b: BackboneEntry, f: FeatureSet): number {
  const per = b.embedding.dims + (f.inner ? b.innerStages.reduce((s, c) => s + c, 0) : 0)
  return per * f.views.length
}

/** Backbone passes a poster: one a view, twice with the mirror image. */
export function passesOf(f: FeatureSet): number {
  return f.views.length * (f.mirror ? 2 : 1)
}
