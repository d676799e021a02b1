import { useEffect, useState } from "preact/hooks";
import { consoleGet } from "../api";
import { bytes, time } from "../format";
import { ErrorNote, Loading, Section } from "./common";
import { useRepositoryUsage } from "./repositories";

interface Sample {
  takenAt: number;
  bytes: number;
  blobs: number;
  repositories: number;
  manifests: number;
}

const kWidth = 720;
const kHeight = 220;
const kPad = { left: 70, right: 16, top: 12, bottom: 28 };

// Storage used over time, as a line: drawn as SVG elements by Preact (no chart library, no
// inline script or style the CSP would refuse). The same numbers are in the table after it.
function UsageChart({ samples }: { samples: Sample[] }) {
  const xs = samples.map((s) => s.takenAt);
  const max = Math.max(1, ...samples.map((s) => s.bytes));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const x = (t: number) => kPad.left + (x1 === x0 ? 0.5 : (t - x0) / (x1 - x0)) * (kWidth - kPad.left - kPad.right);
  const y = (b: number) => kHeight - kPad.bottom - (b / max) * (kHeight - kPad.top - kPad.bottom);
  const points = samples.map((s) => `${x(s.takenAt).toFixed(1)},${y(s.bytes).toFixed(1)}`).join(" ");
  const ticks = [0, 0.5, 1].map((f) => f * max);
  return (
    <svg class="chart" viewBox={`0 0 ${kWidth} ${kHeight}`} role="img" aria-labelledby="usage-chart-title" id="usage-chart">
      <title id="usage-chart-title">Storage used from {time(x0)} to {time(x1)}: now {bytes(samples[samples.length - 1].bytes)}</title>
      {ticks.map((t) => (
        <g key={t}>
          <line class="grid" x1={kPad.left} x2={kWidth - kPad.right} y1={y(t)} y2={y(t)} />
          <text class="axis" x={kPad.left - 6} y={y(t) + 4} text-anchor="end">{bytes(t)}</text>
        </g>
      ))}
      <text class="axis" x={kPad.left} y={kHeight - 8}>{time(x0)}</text>
      <text class="axis" x={kWidth - kPad.right} y={kHeight - 8} text-anchor="end">{time(x1)}</text>
      {samples.length > 1 ? <polyline class="line" points={points} /> : null}
      {samples.map((s) => <circle key={s.takenAt} class="dot" cx={x(s.takenAt)} cy={y(s.bytes)} r={samples.length > 60 ? 1.5 : 3} />)}
    </svg>
  );
}

function RepositoryBars() {
  const { repositories, done, error } = useRepositoryUsage();
  if (error) return <ErrorNote error={error} action="listing repositories" />;
  if (!done) return <Loading what="repositories" />;
  const top = repositories.slice().sort((a, b) => b.sizeInBytes - a.sizeInBytes).slice(0, 20);
  const max = Math.max(1, ...top.map((r) => r.sizeInBytes));
  if (top.length === 0) return <p>No repositories yet.</p>;
  return (
    <ol class="bars" id="repository-sizes" aria-label="The largest repositories">
      {top.map((r) => (
        <li key={r.repositoryName}>
          <a href={`#/repositories/${encodeURIComponent(r.repositoryName)}`}>{r.repositoryName}</a>
          <span class="bar" aria-hidden="true"><span class="fill"
            ref={(el) => { if (el) el.style.width = `${(r.sizeInBytes / max) * 100}%`; }} /></span>
          <span class="size">{bytes(r.sizeInBytes)} · {r.imageCount} image{r.imageCount === 1 ? "" : "s"}</span>
        </li>
      ))}
    </ol>
  );
}

export function Storage() {
  const [days, setDays] = useState(30);
  const [samples, setSamples] = useState<Sample[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setSamples(null);
    const since = Math.floor(Date.now() / 1000) - days * 86400;
    consoleGet("usage", { since: String(since) }).then((out) => setSamples(out.samples), setError);
  }, [days]);
  const last = samples?.[samples.length - 1];
  return (
    <main id="main">
      <h1>Storage</h1>
      <Section title="Storage used over time">
        <div class="toolbar">
          <label for="usage-days">Period</label>
          <select id="usage-days" value={days} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
            <option value={1}>a day</option>
            <option value={7}>a week</option>
            <option value={30}>30 days</option>
            <option value={365}>a year</option>
          </select>
        </div>
        <ErrorNote error={error} action="reading the storage used" />
        {samples === null ? (error ? null : <Loading what="samples" />) : samples.length === 0 ? (
          <p>No samples yet: the first is taken within the hour after Berth starts.</p>
        ) : (
          <>
            {last && <p id="usage-now">Now: <strong>{bytes(last.bytes)}</strong> in {last.blobs} blobs, {last.manifests} manifests, {last.repositories} repositories.</p>}
            <UsageChart samples={samples} />
            <details>
              <summary>The samples as a table</summary>
              <table class="list" id="usage-table">
                <thead><tr><th scope="col">Taken</th><th scope="col">Stored</th><th scope="col">Blobs</th><th scope="col">Manifests</th><th scope="col">Repositories</th></tr></thead>
                <tbody>
                  {samples.slice().reverse().map((s) => (
                    <tr key={s.takenAt}><td>{time(s.takenAt)}</td><td>{bytes(s.bytes)}</td><td>{s.blobs}</td><td>{s.manifests}</td><td>{s.repositories}</td></tr>
                  ))}
                </tbody>
              </table>
            </details>
          </>
        )}
      </Section>
      <Section title="The largest repositories">
        <RepositoryBars />
      </Section>
    </main>
  );
}
