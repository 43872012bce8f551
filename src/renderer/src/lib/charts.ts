// chart.js, registered once with only the parts the app draws (the Train view, the
// dashboard); the one way a component owns a chart (made on mount, redrawn when its data
// changes, freed on unmount); and the options of the per-genre bar charts they share.
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
  type ChartData,
  type ChartOptions,
  type ChartType,
} from 'chart.js'

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip)

/** Colours from the theme's CSS variables, so charts follow light / dark. */
export function themeColour(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return v || fallback
}

/**
 * Keeps a chart on `canvas` for the component's lifetime. `config` gets the theme's muted
 * foreground for axes and legend; `data` is re-read whenever `source` changes.
 */
export function useChart<K extends ChartType>(
  canvas: Ref<HTMLCanvasElement | null>,
  source: () => unknown,
  data: () => ChartData<K>,
  config: (fg: string) => Omit<ChartConfiguration<K>, 'data'>,
): void {
  let chart: Chart<K> | null = null
  onMounted(() => {
    chart = new Chart<K>(canvas.value!, { ...config(themeColour('--fg-muted', '#888')), data: data() } as ChartConfiguration<K>)
  })
  watch(source, () => {
    if (!chart) return
    chart.data = data()
    chart.update()
  })
  onBeforeUnmount(() => chart?.destroy())
}

/**
 * A horizontal bar a genre (posters per genre, AP per genre): every genre named on the axis,
 * no animation, filling the height its box is given (genreBarsHeight). `probability` fixes the
 * value axis to 0-1; `legend: false` hides the legend of a one-series chart.
 */
export function genreBarOptions(fg: string, opts: { probability?: boolean; legend?: boolean } = {}): ChartOptions<'bar'> {
  return {
    indexAxis: 'y',
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    scales: { x: { ...(opts.probability ? { min: 0, max: 1 } : {}), ticks: { color: fg } }, y: { ticks: { color: fg, autoSkip: false } } },
    plugins: { legend: opts.legend === false ? { display: false } : { labels: { color: fg } } },
  }
}

/** The height (CSS) of a genre bar chart of `genres` rows: 22 px a genre, `chrome` px for the axis and legend, 160 px at least. */
export const genreBarsHeight = (genres: number, chrome = 60): string => `${Math.max(160, genres * 22 + chrome)}px`
