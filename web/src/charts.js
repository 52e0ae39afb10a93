// The dashboard's charts (chart.js, bundled from web/node_modules): bars of the dossiers
// finished early, on time and late per month, and lines of the shares per month. Drawn
// without animation, and redrawn to the paper's width when the page is printed.
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController,
  LineElement, PointElement, Tooltip,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController,
  LineElement, PointElement, Legend, Tooltip);
Chart.defaults.font.family = '"Open Sans", "Segoe UI", Roboto, Arial, sans-serif';
Chart.defaults.color = '#1b1f24';

export const COLOURS = { early: '#1a7f37', on_time: '#0b5cad', late: '#b3261e', online: '#9a6700' };
const drawn = new Map();

function draw(canvas, config) {
  drawn.get(canvas)?.destroy();
  const chart = new Chart(canvas, { ...config, options: {
    animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { position: 'bottom' } }, ...config.options } });
  drawn.set(canvas, chart);
  return chart;
}

// `series`: [{ key, label, values }] over `labels`; stacked bars of counts.
export function bars(canvas, labels, series) {
  return draw(canvas, {
    type: 'bar',
    data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.values, backgroundColor: COLOURS[s.key], stack: 'finished' })) },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

// Shares (0..1) as percentages; a month without figures is a gap, not a zero.
export function lines(canvas, labels, series, percent) {
  return draw(canvas, {
    type: 'line',
    data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.values.map((v) => (v === null ? null : Math.round(v * 1000) / 10)), borderColor: COLOURS[s.key], backgroundColor: COLOURS[s.key], spanGaps: false, tension: 0 })) },
    options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => percent(v / 100) } } },
      plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${percent(c.parsed.y / 100)}` } } } },
  });
}

// Printing: each chart takes the paper's width, then the screen's again.
const resizeAll = () => drawn.forEach((chart) => chart.resize());
window.addEventListener('beforeprint', resizeAll);
window.addEventListener('afterprint', resizeAll);

export const chartOf = (canvas) => drawn.get(canvas);
