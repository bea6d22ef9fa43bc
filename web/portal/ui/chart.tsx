// Charts with uPlot: a time series of one or more counts per period, drawn as stacked bars or lines. A click on a
// period calls `onPick` with its index (the dashboard opens the calls behind it). The figures are also given as a
// table for screen readers and for anyone who wants the numbers.
import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { Link } from '../lib/router.tsx';

export interface Series {
  label: string;
  values: number[];
  color: string;
}

const PALETTE = ['#1f6feb', '#d1242f', '#8250df', '#bf8700', '#1a7f37', '#cf222e', '#0969da', '#6e7781', '#953800', '#116329'];
export const seriesColor = (i: number) => PALETTE[i % PALETTE.length];

/** `labels` are the periods (x axis, e.g. "2026-12-01"); each series one value per period. */
/**
 * `onPick` makes a period clickable on the chart; `linkFor` gives each period's link in the figures table too, so
 * the keyboard and screen readers reach the same calls.
 */
export function TimeChart(props: { title: string; labels: string[]; series: Series[]; stacked?: boolean; height?: number; onPick?: (index: number) => void; linkFor?: (index: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const pick = useRef(props.onPick);
  pick.current = props.onPick;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let cancelled = false;
    let resize: ResizeObserver | null = null;
    // uPlot is loaded with the first chart (its own chunk): pages without a chart never download or parse it.
    loadUPlot().then((UPlot) => {
      if (cancelled) return;
      plot.current = draw(UPlot, el);
      resize = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: props.height ?? 260 }));
      resize.observe(el);
    });
    return () => {
      cancelled = true;
      resize?.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [JSON.stringify(props.labels), JSON.stringify(props.series), props.stacked]);

  function draw(UPlot: typeof uPlot, el: HTMLDivElement): uPlot {
    const xs = props.labels.map((_, i) => i);
    // Stacked: each series drawn as the running total, so bars sit on top of each other.
    const acc = new Array(xs.length).fill(0);
    const ys = props.series.map((s) => {
      if (!props.stacked) return s.values;
      return s.values.map((v, i) => (acc[i] += v || 0));
    });
    const bars = UPlot.paths.bars!({ size: [0.7, 48] });
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: props.height ?? 260,
      legend: { show: true },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: { x: { time: false, range: (_u, min, max) => [min - 0.6, max + 0.6] }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
      axes: [
        { values: (_u, splits) => splits.map((i) => (Number.isInteger(i) && props.labels[i] ? shortLabel(props.labels[i]) : '')), space: 50, grid: { show: false } },
        { size: 44, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
      ],
      series: [
        { label: 'Period', value: (_u, v) => (v === null || v === undefined ? '' : props.labels[v] ?? '') },
        // Drawn last first so the stacked totals do not hide the lower series.
        ...props.series.map((s, i) => ({
          label: s.label,
          stroke: s.color,
          fill: props.stacked ? s.color : undefined,
          width: props.stacked ? 0 : 2,
          paths: props.stacked ? bars : undefined,
          points: { show: !props.stacked },
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx === null ? '' : String(props.series[i].values[idx] ?? 0)),
        })),
      ],
      hooks: {
        ready: [
          (u) => {
            u.over.addEventListener('click', () => {
              const idx = u.cursor.idx;
              if (idx !== null && idx !== undefined && pick.current) pick.current(idx);
            });
          },
        ],
      },
    };
    const order = props.stacked ? ys.map((_, i) => ys.length - 1 - i) : ys.map((_, i) => i);
    const data: uPlot.AlignedData = [xs, ...ys];
    if (props.stacked) {
      // uPlot draws series in order: put the biggest (running total) first.
      opts.series = [opts.series[0], ...order.map((i) => opts.series[i + 1])];
      const reordered: uPlot.AlignedData = [xs, ...order.map((i) => ys[i])];
      return new UPlot(opts, reordered, el);
    }
    return new UPlot(opts, data, el);
  }

  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} class={props.onPick ? 'chart-box pickable' : 'chart-box'} role="img" aria-label={`${props.title}: chart (the table below has the figures)`} />
      <details class="chart-table">
        <summary>Figures as a table</summary>
        <div class="table-wrap">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Period</th>
                {props.series.map((s) => (
                  <th scope="col" class="num" key={s.label}>
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {props.labels.map((l, i) => (
                <tr key={l}>
                  <th scope="row">{props.linkFor ? <Link href={props.linkFor(i)}>{l}</Link> : l}</th>
                  {props.series.map((s) => (
                    <td class="num" key={s.label}>
                      {s.values[i] ?? 0}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

let uplotModule: Promise<typeof uPlot> | null = null;
function loadUPlot(): Promise<typeof uPlot> {
  uplotModule ??= import('uplot').then((m) => m.default);
  return uplotModule;
}

/** "2026-12-01" → "1 Dec"; anything else unchanged. */
function shortLabel(l: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(l);
  if (!m) return l;
  return `${Number(m[3])} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][Number(m[2]) - 1]}`;
}
