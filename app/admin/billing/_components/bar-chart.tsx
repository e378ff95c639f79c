import { hourLabel } from "./format";

type Point = { hour: Date; value: number };

const WIDTH = 320;
const HEIGHT = 140;
const PAD = { top: 10, right: 8, bottom: 22, left: 34 };

/**
 * A small bar chart of an hourly series, rendered on the server as SVG (no chart library, no
 * client JavaScript). Screen readers get the `aria-label` summary and a visually hidden table of
 * every value; each bar has a `<title>` (a tooltip on hover).
 */
export function BarChart({
  title,
  points,
  unit,
  format = (v) => String(Math.round(v * 100) / 100),
}: {
  title: string;
  points: Point[];
  /** Plural unit for the summary and the tooltips ("events", "seconds"). */
  unit: string;
  format?: (value: number) => string;
}) {
  const max = Math.max(0, ...points.map((p) => p.value));
  const top = niceCeiling(max);
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, points.length);
  const barW = Math.max(1, slot - 2);
  const y = (v: number) => PAD.top + plotH - (top === 0 ? 0 : (v / top) * plotH);
  const total = points.reduce((n, p) => n + p.value, 0);
  const peak = points.reduce<Point | null>(
    (best, p) => (!best || p.value > best.value ? p : best),
    null,
  );
  const first = points[0];
  const last = points.at(-1);
  const summary =
    first && last
      ? `${title}, per hour from ${hourLabel(first.hour)} to ${hourLabel(last.hour)} UTC: ` +
        (max === 0
          ? `0 ${unit} in every hour.`
          : `highest ${format(max)} ${unit} at ${hourLabel(peak?.hour ?? first.hour)}` +
            (unit === "seconds" ? "." : `, ${format(total)} in total.`))
      : `${title}: no data.`;

  return (
    <figure className="space-y-2">
      <figcaption className="text-sm font-medium">{title}</figcaption>
      <svg
        role="img"
        aria-label={summary}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        className="h-auto w-full"
        data-testid="bar-chart"
      >
        {/* Axes and the scale: 0 and the top value. */}
        <g className="text-muted-foreground" fill="currentColor" fontSize="10">
          <line
            x1={PAD.left}
            x2={WIDTH - PAD.right}
            y1={PAD.top + plotH}
            y2={PAD.top + plotH}
            stroke="currentColor"
          />
          <line
            x1={PAD.left}
            x2={PAD.left}
            y1={PAD.top}
            y2={PAD.top + plotH}
            stroke="currentColor"
          />
          <text x={PAD.left - 4} y={PAD.top + plotH} textAnchor="end" dominantBaseline="middle">
            0
          </text>
          <text x={PAD.left - 4} y={PAD.top + 4} textAnchor="end" dominantBaseline="middle">
            {format(top)}
          </text>
          {points.map((p, i) =>
            i % 6 === 0 || i === points.length - 1 ? (
              <text
                key={p.hour.toISOString()}
                x={PAD.left + i * slot + slot / 2}
                y={HEIGHT - 6}
                textAnchor="middle"
              >
                {hourLabel(p.hour)}
              </text>
            ) : null,
          )}
        </g>
        <g className="text-primary" fill="currentColor">
          {points.map((p, i) => {
            const barTop = y(p.value);
            return (
              <rect
                key={p.hour.toISOString()}
                x={PAD.left + i * slot + 1}
                y={barTop}
                width={barW}
                height={Math.max(0, PAD.top + plotH - barTop)}
              >
                <title>{`${hourLabel(p.hour)} UTC: ${format(p.value)} ${unit}`}</title>
              </rect>
            );
          })}
        </g>
      </svg>
      <table className="sr-only">
        <caption>{title} (per hour, UTC)</caption>
        <thead>
          <tr>
            <th scope="col">Hour</th>
            <th scope="col">{unit}</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.hour.toISOString()}>
              <td>{hourLabel(p.hour)}</td>
              <td>{format(p.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** 1, 2 or 5 times a power of ten, at least `value` (0 stays 0). */
function niceCeiling(value: number): number {
  if (value <= 0) return 0;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}
