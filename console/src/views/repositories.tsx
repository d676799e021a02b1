import { useEffect, useMemo, useState } from "preact/hooks";
import { ecr } from "../api";
import { time } from "../format";
import { ErrorNote, Loading, Pager } from "./common";

export interface Repository {
  repositoryName: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: string;
  imageScanningConfiguration?: { scanOnPush: boolean };
}

const kPageSize = 50;
type SortKey = "name" | "created";

// Every repository, loaded a page of the API at a time: the first page renders while the rest
// arrive, so a registry with many thousands of repositories shows at once.
function useRepositories() {
  const [repositories, setRepositories] = useState<Repository[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      let nextToken: string | undefined;
      const all: Repository[] = [];
      try {
        do {
          const page = await ecr("DescribeRepositories", { maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
          if (cancelled) return;
          all.push(...(page.repositories as Repository[]));
          setRepositories([...all]);
          nextToken = page.nextToken;
        } while (nextToken);
      } catch (e) {
        if (!cancelled) setError(e);
      }
      if (!cancelled) setDone(true);
    })();
    return () => {
      cancelled = true;
    };
  }, []);
  return { repositories, done, error };
}

export function Repositories() {
  const { repositories, done, error } = useRepositories();
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<SortKey>("name");
  const [descending, setDescending] = useState(false);
  const [page, setPage] = useState(0);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matching = q ? repositories.filter((r) => r.repositoryName.includes(q)) : repositories.slice();
    matching.sort((a, b) =>
      sort === "name" ? a.repositoryName.localeCompare(b.repositoryName) : a.createdAt - b.createdAt);
    if (descending) matching.reverse();
    return matching;
  }, [repositories, query, sort, descending]);
  const pages = Math.max(1, Math.ceil(shown.length / kPageSize));
  const current = Math.min(page, pages - 1);

  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort === key ? (descending ? "descending" : "ascending") : "none"}>
      <button type="button" class="sort" onClick={() => {
        if (sort === key) setDescending(!descending);
        else { setSort(key); setDescending(false); }
      }}>{label}{sort === key ? (descending ? " ▼" : " ▲") : ""}</button>
    </th>
  );

  return (
    <main id="main">
      <h1>Repositories</h1>
      <div class="toolbar">
        <label for="repo-search">Search</label>
        <input id="repo-search" type="search" placeholder="name contains…" value={query}
          onInput={(e) => { setQuery((e.target as HTMLInputElement).value); setPage(0); }} />
        <span class="muted" role="status">
          {shown.length} of {repositories.length}{done ? "" : " (loading more…)"} repositories
        </span>
      </div>
      <ErrorNote error={error} action="listing repositories" />
      {!done && repositories.length === 0 && !error ? <Loading what="repositories" /> : (
        <table class="list" id="repositories">
          <thead>
            <tr>{header("name", "Name")}<th scope="col">URI</th>{header("created", "Created")}<th scope="col">Tags</th><th scope="col">Scan on push</th></tr>
          </thead>
          <tbody>
            {shown.slice(current * kPageSize, (current + 1) * kPageSize).map((r) => (
              <tr key={r.repositoryName}>
                <td><a href={`#/repositories/${encodeURIComponent(r.repositoryName)}`}>{r.repositoryName}</a></td>
                <td><code>{r.repositoryUri}</code></td>
                <td>{time(r.createdAt)}</td>
                <td>{r.imageTagMutability === "IMMUTABLE" ? "immutable" : "mutable"}</td>
                <td>{r.imageScanningConfiguration?.scanOnPush ? "on" : "off"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={current} pages={pages} onPage={setPage} />
    </main>
  );
}
