// chart.js, registered once with only the parts the Train view draws, and the one way a
// component owns a chart: made on mount, redrawn when its data changes, freed on unmount.
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
