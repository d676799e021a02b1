import { useEffect, useState } from "preact/hooks";
import { ApiError, ecr, ecrAll } from "../api";
import { bytes, shortDigest } from "../format";
import { ErrorNote, Loading, Section } from "./common";

const kManifestTypes = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
];

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}
interface Manifest {
  mediaType?: string;
  artifactType?: string;
  config?: Descriptor;
  layers?: Descriptor[];
  manifests?: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
}
interface ImageConfig {
  os?: string;
  architecture?: string;
  created?: string;
  config?: {
    Labels?: Record<string, string>; Entrypoint?: string[]; Cmd?: string[]; Env?: string[];
    User?: string; WorkingDir?: string; ExposedPorts?: Record<string, unknown>;
  };
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>;
}
interface Finding {
  name: string;
  severity: string;
  uri?: string;
  description?: string;
  attributes?: Array<{ key: string; value: string }>;
}
interface Referrer {
  digest: string;
  artifactType?: string;
  mediaType: string;
  size: number;
  annotations?: Record<string, string>;
}

const kSeverityOrder = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"];

// A link only for http(s): a finding's URI comes from a vulnerability database, and a
// javascript: or data: URL must never become clickable.
function SafeLink({ href, children }: { href?: string; children: string }) {
  let safe = false;
  try {
    safe = !!href && ["http:", "https:"].includes(new URL(href).protocol);
  } catch {
    safe = false;
  }
  return safe ? <a href={href} target="_blank" rel="noopener noreferrer">{children}</a> : <>{children}</>;
}

// A blob of this repository through a presigned URL (GetDownloadUrlForLayer), fetched from this
// origin whatever host the URL names: the signature covers the repository, digest and expiry.
async function downloadPath(repository: string, digest: string): Promise<string> {
  const out = await ecr("GetDownloadUrlForLayer", { repositoryName: repository, layerDigest: digest });
  const url = new URL(out.downloadUrl);
  return url.pathname + url.search;
}

function KeyValues({ id, values, empty }: { id: string; values?: Record<string, string>; empty: string }) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table class="list kv" id={id}>
      <tbody>
        {entries.map(([k, v]) => <tr key={k}><th scope="row"><code>{k}</code></th><td>{v}</td></tr>)}
      </tbody>
    </table>
  );
}

function Findings({ repository, digest }: { repository: string; digest: string }) {
  const [findings, setFindings] = useState<Finding[] | null>(null);
  const [status, setStatus] = useState<string>("");
  const [error, setError] = useState<unknown>(null);
  const [severity, setSeverity] = useState("ALL");
  useEffect(() => {
    ecrAll<Finding>("DescribeImageScanFindings", { repositoryName: repository, imageId: { imageDigest: digest }, maxResults: 1000 },
      "imageScanFindings.findings").then(setFindings, (e) => {
        if (e instanceof ApiError && e.type === "ScanNotFoundException") setStatus("This image has not been scanned.");
        else setError(e);
      });
  }, [repository, digest]);
  const scan = async () => {
    setError(null);
    try {
      const out = await ecr("StartImageScan", { repositoryName: repository, imageId: { imageDigest: digest } });
      setStatus(`Scan ${out.imageScanStatus?.status?.toLowerCase() ?? "requested"}; reload to see its findings.`);
    } catch (e) {
      setError(e);
    }
  };
  const shown = (findings ?? []).filter((f) => severity === "ALL" || f.severity === severity)
    .sort((a, b) => kSeverityOrder.indexOf(a.severity) - kSeverityOrder.indexOf(b.severity) || a.name.localeCompare(b.name));
  const attribute = (f: Finding, key: string) => f.attributes?.find((a) => a.key === key)?.value ?? "";
  return (
    <Section title="Vulnerabilities">
      <div class="toolbar">
        <label for="severity">Severity</label>
        <select id="severity" value={severity} onChange={(e) => setSeverity((e.target as HTMLSelectElement).value)}>
          <option value="ALL">all</option>
          {kSeverityOrder.map((s) => <option key={s} value={s}>{s.toLowerCase()}</option>)}
        </select>
        <button type="button" id="start-scan" onClick={scan}>Scan now</button>
      </div>
      {status && <p role="status">{status}</p>}
      <ErrorNote error={error} action="reading or starting scans" />
      {findings === null ? (status || error ? null : <Loading what="findings" />) : findings.length === 0 ? <p>No findings.</p> : (
        <table class="list" id="findings">
          <thead><tr><th scope="col">Severity</th><th scope="col">Vulnerability</th><th scope="col">Package</th><th scope="col">Installed</th><th scope="col">Fixed in</th></tr></thead>
          <tbody>
            {shown.map((f) => (
              <tr key={f.name + attribute(f, "package_name")}>
                <td><span class={`sev sev-${f.severity.toLowerCase()}`}>{f.severity.toLowerCase()}</span></td>
                <td><SafeLink href={f.uri}>{f.name}</SafeLink>{f.description && <div class="muted small">{f.description.slice(0, 300)}</div>}</td>
                <td>{attribute(f, "package_name")}</td>
                <td><code>{attribute(f, "package_version")}</code></td>
                <td><code>{attribute(f, "fixed_in_version") || "–"}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

// The content of a referrer (an SBOM, a signature): its first layer, as a link that downloads it
// through a presigned URL made when the list shows.
function ReferrerDownload({ repository, referrer }: { repository: string; referrer: Referrer }) {
  const [href, setHref] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    (async () => {
      const got = await ecr("BatchGetImage", { repositoryName: repository, imageIds: [{ imageDigest: referrer.digest }], acceptedMediaTypes: kManifestTypes });
      const layer = (JSON.parse(got.images[0].imageManifest) as Manifest).layers?.[0];
      if (!layer) throw new Error("the referrer has no content");
      setHref(await downloadPath(repository, layer.digest));
    })().catch(() => setFailed(true));
  }, [repository, referrer.digest]);
  const kind = referrer.artifactType ?? "referrer";
  const file = `${referrer.digest.slice(7, 19)}.${kind.includes("cyclonedx") ? "cdx.json" : kind.includes("spdx") ? "spdx.json" : "bin"}`;
  if (failed) return <span class="muted">not available</span>;
  if (!href) return <span class="muted">…</span>;
  return <a href={href} download={file} class="download" aria-label={`Download ${kind} ${shortDigest(referrer.digest)}`}>Download</a>;
}

function Referrers({ repository, digest }: { repository: string; digest: string }) {
  const [referrers, setReferrers] = useState<Referrer[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    ecrAll<Referrer>("ListImageReferrers", { repositoryName: repository, subjectId: { imageDigest: digest } }, "referrers")
      .then(setReferrers, setError);
  }, [repository, digest]);
  return (
    <Section title="Signatures, SBOMs and other referrers">
      <ErrorNote error={error} action="reading referrers" />
      {referrers === null ? (error ? null : <Loading what="referrers" />) : referrers.length === 0 ? <p class="muted">None.</p> : (
        <table class="list" id="referrers">
          <thead><tr><th scope="col">Type</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {referrers.map((r) => (
              <tr key={r.digest}>
                <td>{r.artifactType ?? r.mediaType}</td>
                <td><a href={`#/repositories/${encodeURIComponent(repository)}/images/${r.digest}`}><code>{shortDigest(r.digest)}</code></a></td>
                <td>{bytes(r.size)}</td>
                <td><ReferrerDownload repository={repository} referrer={r} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

export function ImageView({ repository, digest }: { repository: string; digest: string }) {
  const [manifest, setManifest] = useState<Manifest | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [config, setConfig] = useState<ImageConfig | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const got = await ecr("BatchGetImage", { repositoryName: repository, imageIds: [{ imageDigest: digest }], acceptedMediaTypes: kManifestTypes });
        if (got.failures?.length) throw new ApiError(got.failures[0].failureCode, got.failures[0].failureReason, 404);
        const m = JSON.parse(got.images[0].imageManifest) as Manifest;
        const described = await ecr("DescribeImages", { repositoryName: repository, imageIds: [{ imageDigest: digest }] });
        if (cancelled) return;
        setManifest(m);
        setTags(described.imageDetails?.[0]?.imageTags ?? []);
        if (m.config && m.config.mediaType.includes("config") && m.config.size < 4 * 1024 * 1024) {
          const response = await fetch(await downloadPath(repository, m.config.digest), { credentials: "same-origin" });
          if (response.ok && !cancelled) setConfig(await response.json());
        }
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [repository, digest]);

  const repoLink = `#/repositories/${encodeURIComponent(repository)}`;
  return (
    <main id="main">
      <p><a href="#/">Repositories</a> / <a href={repoLink}>{repository}</a> /</p>
      <h1><code>{digest}</code></h1>
      <ErrorNote error={error} action="reading this image" />
      {manifest === null ? (error ? null : <Loading what="the image" />) : (
        <>
          <p>{tags.length ? tags.map((t) => <span class="tag" key={t}>{t}</span>) : <span class="muted">untagged</span>}
            {" "}<span class="muted">{manifest.mediaType ?? ""}</span></p>
          {manifest.subject && (
            <p>Refers to <a href={`${repoLink}/images/${manifest.subject.digest}`}><code>{shortDigest(manifest.subject.digest)}</code></a></p>
          )}
          {manifest.manifests && (
            <Section title="Platforms">
              <table class="list" id="platforms">
                <thead><tr><th scope="col">Platform</th><th scope="col">Digest</th><th scope="col">Size</th></tr></thead>
                <tbody>
                  {manifest.manifests.map((d) => (
                    <tr key={d.digest}>
                      <td>{d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join("/") : d.artifactType ?? "–"}</td>
                      <td><a href={`${repoLink}/images/${d.digest}`}><code>{shortDigest(d.digest)}</code></a></td>
                      <td>{bytes(d.size)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Section>
          )}
          {manifest.layers && (
            <Section title="Layers">
              {config && <p>{[config.os, config.architecture].filter(Boolean).join("/")} {config.created ? `· created ${config.created}` : ""}</p>}
              <table class="list" id="layers">
                <thead><tr><th scope="col">#</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Type</th></tr></thead>
                <tbody>
                  {manifest.layers.map((l, i) => (
                    <tr key={l.digest + i}><td>{i + 1}</td><td><code title={l.digest}>{shortDigest(l.digest)}</code></td><td>{bytes(l.size)}</td><td>{l.mediaType}</td></tr>
                  ))}
                </tbody>
              </table>
              <p class="muted">Total {bytes(manifest.layers.reduce((n, l) => n + l.size, 0))} compressed.</p>
            </Section>
          )}
          <Section title="Annotations"><KeyValues id="annotations" values={manifest.annotations} empty="No annotations." /></Section>
          {config?.config && (
            <Section title="Configuration">
              <table class="list kv" id="config">
                <tbody>
                  {config.config.Entrypoint && <tr><th scope="row">Entrypoint</th><td><code>{JSON.stringify(config.config.Entrypoint)}</code></td></tr>}
                  {config.config.Cmd && <tr><th scope="row">Command</th><td><code>{JSON.stringify(config.config.Cmd)}</code></td></tr>}
                  {config.config.User && <tr><th scope="row">User</th><td><code>{config.config.User}</code></td></tr>}
                  {config.config.WorkingDir && <tr><th scope="row">Working directory</th><td><code>{config.config.WorkingDir}</code></td></tr>}
                  {config.config.ExposedPorts && <tr><th scope="row">Ports</th><td>{Object.keys(config.config.ExposedPorts).join(", ")}</td></tr>}
                  {config.config.Env && <tr><th scope="row">Environment</th><td>{config.config.Env.map((e) => <div key={e}><code>{e}</code></div>)}</td></tr>}
                </tbody>
              </table>
            </Section>
          )}
          {config && <Section title="Labels"><KeyValues id="labels" values={config.config?.Labels} empty="No labels." /></Section>}
          {config?.history && (
            <Section title="History">
              <ol class="history" id="history">
                {config.history.map((h, i) => (
                  <li key={i}><code>{h.created_by ?? h.comment ?? "–"}</code>{h.empty_layer ? <span class="muted"> (no layer)</span> : null}</li>
                ))}
              </ol>
            </Section>
          )}
          {manifest.layers && <Findings repository={repository} digest={digest} />}
          <Referrers repository={repository} digest={digest} />
        </>
      )}
    </main>
  );
}
