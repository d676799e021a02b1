import { useEffect, useMemo, useState } from "preact/hooks";
import { consoleGet } from "../api";
import { bytes, time } from "../format";
import { ErrorNote, Loading, Pager } from "./common";

export interface Repository {
  repositoryName: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: string;
  imageScanningConfiguration?: { scanOnPush: boolean };
}

// A row of Berth's repository listing (/console/api/repositories).
export interface RepositoryUsage {
  repositoryName: string;
  createdAt: number;
  imageCount: number;
  sizeInBytes: number;
  lastPushedAt: number;
}

const kPageSize = 50;
type SortKey = "name" | "size" | "images" | "pushed" | "created";

// Every repository the caller may describe, a page of 1,000 at a time: the first page renders
// while the rest arrive, so a registry with many thousands of repositories shows at once.
export function useRepositoryUsage() {
  const [repositories, setRepositories] = useState<RepositoryUsage[]>([]);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      let after: string | undefined;
      const all: RepositoryUsage[] = [];
      try {
        do {
          const page = await consoleGet("repositories", { limit: "1000", ...(after ? { after } : {}) });
          if (cancelled) return;
          all.push(...(page.repositories as RepositoryUsage[]));
          setRepositories([...all]);
          after = page.after;
        } while (after);
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

const kCompare: Record<SortKey, (a: RepositoryUsage, b: RepositoryUsage) => number> = {
  name: (a, b) => (a.repositoryName < b.repositoryName ? -1 : a.repositoryName > b.repositoryName ? 1 : 0),
  size: (a, b) => a.sizeInBytes - b.sizeInBytes,
  images: (a, b) => a.imageCount - b.imageCount,
  pushed: (a, b) => a.lastPushedAt - b.lastPushedAt,
  created: (a, b) => a.createdAt - b.createdAt,
};

export function Repositories() {
  const { repositories, done, error } = useRepositoryUsage();
  const [query, setQuery] = useState("");
  const [sort, setSort] = useState<SortKey>("name");
  const [descending, setDescending] = useState(false);
  const [page, setPage] = useState(0);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matching = q ? repositories.filter((r) => r.repositoryName.includes(q)) : repositories.slice();
    const compare = kCompare[sort];
    matching.sort((a, b) => compare(a, b) || kCompare.name(a, b));
    if (descending) matching.reverse();
    return matching;
  }, [repositories, query, sort, descending]);
  const pages = Math.max(1, Math.ceil(shown.length / kPageSize));
  const current = Math.min(page, pages - 1);

  const header = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort === key ? (descending ? "descending" : "ascending") : "none"}>
      <button type="button" class="sort" id={`sort-${key}`} onClick={() => {
        if (sort === key) setDescending(!descending);
        else { setSort(key); setDescending(key !== "name"); }
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
            <tr>{header("name", "Name")}{header("images", "Images")}{header("size", "Size")}{header("pushed", "Last push")}{header("created", "Created")}</tr>
          </thead>
          <tbody>
            {shown.slice(current * kPageSize, (current + 1) * kPageSize).map((r) => (
              <tr key={r.repositoryName}>
                <td><a href={`#/repositories/${encodeURIComponent(r.repositoryName)}`}>{r.repositoryName}</a></td>
                <td>{r.imageCount}</td>
                <td>{bytes(r.sizeInBytes)}</td>
                <td>{r.lastPushedAt ? time(r.lastPushedAt) : <span class="muted">never</span>}</td>
                <td>{time(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager page={current} pages={pages} onPage={setPage} />
    </main>
  );
}
