// How each label source is named and marked on chips (styles in theme.css: .chip.src-*).
import type { LabelSource } from '../../../shared/api'

export const SOURCE_LABEL: Record<LabelSource, string> = {
  imported: 'imported from a labels file',
  user: 'set by you',
  prediction: 'accepted model prediction',
  nfo: 'from a .nfo file',
}

/** A one-character mark so the source is told apart without colour too. */
export const SOURCE_MARK: Record<LabelSource, string> = { imported: '', user: '', prediction: '✦', nfo: '≡' }

export function chipTitle(genre: string, source: LabelSource | undefined, probability?: number): string {
  const p = probability === undefined ? '' : `, model ${Math.round(probability * 100)}%`
  return `${genre}: ${SOURCE_LABEL[source ?? 'user']}${p}`
}

/** For the filter: "has … labels". */
export const SOURCE_FILTERS: { value: LabelSource; label: string }[] = [
  { value: 'prediction', label: 'Has accepted predictions' },
  { value: 'user', label: 'Has labels set by you' },
  { value: 'imported', label: 'Has imported labels' },
  { value: 'nfo', label: 'Has .nfo labels' },
]
