import { useEffect, useState } from "preact/hooks";
import { cloudtrail } from "../api";
import { time } from "../format";
import { ErrorNote, Loading } from "./common";

interface TrailEvent {
  EventId: string;
  EventName: string;
  EventTime: number;
  EventSource: string;
  Username?: string;
  Resources?: Array<{ ResourceType: string; ResourceName: string }>;
  CloudTrailEvent?: string;
}

const kAttributes: Array<[string, string]> = [
  ["Username", "User"],
  ["ResourceName", "Repository"],
  ["EventName", "Action"],
  ["EventSource", "Service"],
];

// The audit trail (CloudTrail's LookupEvents): newest first, one attribute to filter by as
// CloudTrail allows, a time range, and pages.
export function Activity() {
  const [attribute, setAttribute] = useState("Username");
  const [value, setValue] = useState("");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [query, setQuery] = useState<object>({});
  const [events, setEvents] = useState<TrailEvent[] | null>(null);
  const [tokens, setTokens] = useState<string[]>([]);  // the token of each page after the first
  const [page, setPage] = useState(0);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setEvents(null);
    setError(null);
    const token = page > 0 ? tokens[page - 1] : undefined;
    cloudtrail("LookupEvents", { ...query, MaxResults: 50, ...(token ? { NextToken: token } : {}) }).then((out) => {
      setEvents(out.Events ?? []);
      setNext(out.NextToken);
    }, setError);
  }, [query, page]);

  const search = (e: Event) => {
    e.preventDefault();
    const q: Record<string, unknown> = {};
    if (value.trim()) q.LookupAttributes = [{ AttributeKey: attribute, AttributeValue: value.trim() }];
    if (start) q.StartTime = new Date(start).getTime() / 1000;
    if (end) q.EndTime = new Date(end).getTime() / 1000;
    setTokens([]);
    setPage(0);
    setQuery(q);
  };
  const detail = (e: TrailEvent) => {
    try {
      const record = JSON.parse(e.CloudTrailEvent ?? "{}");
      return { ip: record.sourceIPAddress ?? "", error: record.errorCode ?? "" };
    } catch {
      return { ip: "", error: "" };
    }
  };

  return (
    <main id="main">
      <h1>Activity</h1>
      <form class="toolbar" onSubmit={search}>
        <label for="activity-attribute">Filter by</label>
        <select id="activity-attribute" value={attribute} onChange={(e) => setAttribute((e.target as HTMLSelectElement).value)}>
          {kAttributes.map(([k, label]) => <option key={k} value={k}>{label}</option>)}
        </select>
        <label for="activity-value" class="sr-only">Value</label>
        <input id="activity-value" placeholder="value" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <label for="activity-start">From</label>
        <input id="activity-start" type="datetime-local" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
        <label for="activity-end">To</label>
        <input id="activity-end" type="datetime-local" value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />
        <button type="submit" id="activity-search">Search</button>
      </form>
      <ErrorNote error={error} action="reading the audit trail" />
      {events === null ? (error ? null : <Loading what="activity" />) : events.length === 0 ? <p>No events.</p> : (
        <table class="list" id="activity">
          <thead><tr><th scope="col">Time</th><th scope="col">User</th><th scope="col">Action</th><th scope="col">Resource</th><th scope="col">From</th><th scope="col">Result</th></tr></thead>
          <tbody>
            {events.map((e) => {
              const d = detail(e);
              return (
                <tr key={e.EventId}>
                  <td>{time(e.EventTime)}</td>
                  <td>{e.Username || <span class="muted">unknown</span>}</td>
                  <td>{e.EventName} <span class="muted small">{e.EventSource.replace(".amazonaws.com", "")}</span></td>
                  <td>{(e.Resources ?? []).map((r) => r.ResourceName.replace(/^arn:aws:ecr:[^:]*:\d*:repository\//, "")).join(", ")}</td>
                  <td>{d.ip}</td>
                  <td>{d.error ? <span class="sev sev-high">{d.error}</span> : "ok"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>Newer</button>
        <span>Page {page + 1}</span>
        <button type="button" disabled={!next} onClick={() => {
          if (next) {
            const t = tokens.slice(0, page);
            t.push(next);
            setTokens(t);
            setPage(page + 1);
          }
        }}>Older</button>
      </nav>
    </main>
  );
}
