import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ecr, ecrAll, session } from "../api";
import { bytes, shortDigest, time } from "../format";
import { CopyLine, ErrorNote, Loading, Pager, Section } from "./common";
import { Lifecycle } from "./lifecycle";
import { RepositoryPolicy } from "./policies";
import { Repository } from "./repositories";

interface ImageDetail {
  imageDigest: string;
  imageTags?: string[];
  imageSizeInBytes?: number;
  imagePushedAt?: number;
  lastRecordedPullTime?: number;
  imageManifestMediaType?: string;
  artifactMediaType?: string;
  imageStatus?: string;
  subjectManifestDigest?: string;
  imageScanStatus?: { status: string; description?: string };
  imageScanFindingsSummary?: { findingSeverityCounts?: Record<string, number> };
}

const kSeverities = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"];
const kPageSize = 50;

function Severities({ image }: { image: ImageDetail }) {
  const counts = image.imageScanFindingsSummary?.findingSeverityCounts;
  const status = image.imageScanStatus?.status;
  if (!counts) return <span class="muted">{status ? status.toLowerCase() : "not scanned"}</span>;
  const present = kSeverities.filter((s) => counts[s]);
  if (present.length === 0) return <span>no findings</span>;
  return (
    <span class="severities">
      {present.map((s) => <span key={s} class={`sev sev-${s.toLowerCase()}`}>{counts[s]} {s.toLowerCase()}</span>)}
    </span>
  );
}

function Settings({ repo, onChange }: { repo: Repository; onChange: (r: Repository) => void }) {
  const [error, setError] = useState<unknown>(null);
  const immutable = repo.imageTagMutability === "IMMUTABLE";
  const scanOnPush = !!repo.imageScanningConfiguration?.scanOnPush;
  const run = async (call: () => Promise<Repository>) => {
    setError(null);
    try {
      onChange(await call());
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Section title="Settings">
      <label class="switch">
        <input type="checkbox" id="tag-immutability" checked={immutable} onChange={() => run(async () => {
          const out = await ecr("PutImageTagMutability", {
            repositoryName: repo.repositoryName, imageTagMutability: immutable ? "MUTABLE" : "IMMUTABLE" });
          return { ...repo, imageTagMutability: out.imageTagMutability };
        })} /> Tags are immutable
      </label>
      <label class="switch">
        <input type="checkbox" id="scan-on-push" checked={scanOnPush} onChange={() => run(async () => {
          const out = await ecr("PutImageScanningConfiguration", {
            repositoryName: repo.repositoryName, imageScanningConfiguration: { scanOnPush: !scanOnPush } });
          return { ...repo, imageScanningConfiguration: out.imageScanningConfiguration };
        })} /> Scan images when they are pushed
      </label>
      <ErrorNote error={error} action="changing this setting" />
    </Section>
  );
}

function Commands({ repo }: { repo: Repository }) {
  const s = session();
  const host = location.host;
  const image = `${host}/${repo.repositoryName}`;
  return (
    <Section title="Push and pull">
      <CopyLine label="Log in" text={`aws ecr get-login-password --region ${s.region} --endpoint-url ${location.origin} | podman login --username AWS --password-stdin ${host}`} />
      <CopyLine label="Push" text={`podman push IMAGE ${image}:TAG`} />
      <CopyLine label="Pull" text={`podman pull ${image}:TAG`} />
    </Section>
  );
}

// The platform manifests each index lists (BatchGetImage, 100 indexes a call).
async function indexChildren(repository: string, images: ImageDetail[]) {
  const indexes = images.filter((i) => /index|manifest\.list/.test(i.imageManifestMediaType ?? "")).map((i) => i.imageDigest);
  const out = new Map<string, Array<{ digest: string; platform: string }>>();
  for (let start = 0; start < indexes.length && start < 1000; start += 100) {
    const got = await ecr("BatchGetImage", {
      repositoryName: repository, imageIds: indexes.slice(start, start + 100).map((d) => ({ imageDigest: d })),
      acceptedMediaTypes: ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"],
    });
    for (const image of got.images ?? []) {
      try {
        const manifest = JSON.parse(image.imageManifest);
        out.set(image.imageId.imageDigest, (manifest.manifests ?? []).map((m: { digest: string; platform?: { os: string; architecture: string; variant?: string } }) => ({
          digest: m.digest,
          platform: m.platform ? [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join("/") : "artifact",
        })));
      } catch {
        // A manifest that is not JSON has no children to show.
      }
    }
  }
  return out;
}

export function RepositoryView({ name }: { name: string }) {
  const [repo, setRepo] = useState<Repository | null>(null);
  const [images, setImages] = useState<ImageDetail[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [page, setPage] = useState(0);
  const [reload, setReload] = useState(0);
  // The platform manifests of each index on the page, by the index's digest.
  const [children, setChildren] = useState<Map<string, Array<{ digest: string; platform: string }>>>(new Map());

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const described = await ecr("DescribeRepositories", { repositoryNames: [name] });
        const details = await ecrAll<ImageDetail>("DescribeImages", { repositoryName: name, maxResults: 1000 }, "imageDetails");
        details.sort((a, b) => (b.imagePushedAt ?? 0) - (a.imagePushedAt ?? 0));
        if (cancelled) return;
        setRepo(described.repositories[0]);
        setImages(details);
        setChildren(await indexChildren(name, details));
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [name, reload]);

  const retag = async (image: ImageDetail) => {
    const tag = prompt(`A new tag for ${image.imageTags?.[0] ?? shortDigest(image.imageDigest)}:`)?.trim();
    if (!tag) return;
    setActionError(null);
    try {
      // As with the aws CLI: the manifest as stored, put again under the new tag (PutImage).
      const got = await ecr("BatchGetImage", { repositoryName: name, imageIds: [{ imageDigest: image.imageDigest }],
        acceptedMediaTypes: image.imageManifestMediaType ? [image.imageManifestMediaType] : undefined });
      const stored = got.images?.[0];
      if (!stored) throw new Error(got.failures?.[0]?.failureReason ?? "the image is gone");
      await ecr("PutImage", { repositoryName: name, imageManifest: stored.imageManifest,
        imageManifestMediaType: stored.imageManifestMediaType, imageTag: tag, imageDigest: image.imageDigest });
      setReload(reload + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  const remove = async (image: ImageDetail) => {
    const label = image.imageTags?.length ? image.imageTags.join(", ") : shortDigest(image.imageDigest);
    if (!confirm(`Delete image ${label} from ${name}?`)) return;
    setActionError(null);
    try {
      const out = await ecr("BatchDeleteImage", { repositoryName: name, imageIds: [{ imageDigest: image.imageDigest }] });
      if (out.failures?.length) setActionError(new Error(`${out.failures[0].failureCode}: ${out.failures[0].failureReason}`));
      setReload(reload + 1);
    } catch (e) {
      setActionError(e);
    }
  };

  // Referrers (signatures, SBOMs, attestations) are listed under the image they refer to.
  const referrers = new Map<string, ImageDetail[]>();
  const digests = new Set((images ?? []).map((i) => i.imageDigest));
  for (const i of images ?? []) {
    if (i.subjectManifestDigest && digests.has(i.subjectManifestDigest)) {
      referrers.set(i.subjectManifestDigest, [...(referrers.get(i.subjectManifestDigest) ?? []), i]);
    }
  }
  // An index's platform manifests are listed under it, not as images of their own.
  const childDigests = new Set(Array.from(children.values()).flat().map((c) => c.digest));
  const byDigest = new Map((images ?? []).map((i) => [i.imageDigest, i]));
  const top = (images ?? []).filter((i) =>
    !(i.subjectManifestDigest && digests.has(i.subjectManifestDigest)) && !childDigests.has(i.imageDigest));
  const pages = Math.max(1, Math.ceil(top.length / kPageSize));
  const current = Math.min(page, pages - 1);
  const link = (digest: string) => `#/repositories/${encodeURIComponent(name)}/images/${digest}`;
  return (
    <main id="main">
      <p><a href="#/">Repositories</a> /</p>
      <h1>{name}</h1>
      <ErrorNote error={error} action="reading this repository" />
      {repo && <Commands repo={repo} />}
      {repo && <Settings repo={repo} onChange={setRepo} />}
      <Section title="Images">
        <ErrorNote error={actionError} action="changing this image" />
        {images === null ? (error ? null : <Loading what="images" />) : images.length === 0 ? <p>No images yet.</p> : (
          <table class="list" id="images">
            <thead>
              <tr>
                <th scope="col">Tags</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Pushed</th>
                <th scope="col">Last pulled</th><th scope="col">Storage</th><th scope="col">Vulnerabilities</th><th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {top.slice(current * kPageSize, (current + 1) * kPageSize).map((image) => (
                <Fragment key={image.imageDigest}>
                <tr>
                  <td>{image.imageTags?.length ? image.imageTags.map((t) => <span class="tag" key={t}>{t}</span>) : <span class="muted">untagged</span>}</td>
                  <td><a href={link(image.imageDigest)}><code title={image.imageDigest}>{shortDigest(image.imageDigest)}</code></a></td>
                  <td>{bytes(image.imageSizeInBytes)}</td>
                  <td>{time(image.imagePushedAt)}</td>
                  <td>{time(image.lastRecordedPullTime)}</td>
                  <td>{image.imageStatus === "ARCHIVED" ? "archive" : "standard"}</td>
                  <td><Severities image={image} /></td>
                  <td class="actions">
                    <button type="button" onClick={() => retag(image)}
                      aria-label={`Retag image ${image.imageTags?.[0] ?? image.imageDigest}`}>Retag</button>{" "}
                    <button type="button" class="danger" onClick={() => remove(image)}
                      aria-label={`Delete image ${image.imageTags?.[0] ?? image.imageDigest}`}>Delete</button>
                  </td>
                </tr>
                {(children.get(image.imageDigest) ?? []).map((c) => (
                  <tr class="referrer child" key={c.digest}>
                    <td colSpan={8}>
                      <span aria-hidden="true">↳ </span>{c.platform}{" "}
                      <a href={link(c.digest)} aria-label={`Platform ${c.platform} ${shortDigest(c.digest)}`}><code>{shortDigest(c.digest)}</code></a>{" "}
                      <span class="muted">{bytes(byDigest.get(c.digest)?.imageSizeInBytes)}</span>{" "}
                      {byDigest.get(c.digest) && <Severities image={byDigest.get(c.digest)!} />}
                    </td>
                  </tr>
                ))}
                {(referrers.get(image.imageDigest) ?? []).map((r) => (
                  <tr class="referrer" key={r.imageDigest}>
                    <td colSpan={8}>
                      <span aria-hidden="true">↳ </span>{r.artifactMediaType ?? "referrer"}{" "}
                      <a href={link(r.imageDigest)} aria-label={`Referrer ${r.artifactMediaType ?? ""} ${shortDigest(r.imageDigest)}`}>
                        <code>{shortDigest(r.imageDigest)}</code></a>{" "}
                      <span class="muted">{bytes(r.imageSizeInBytes)} · {time(r.imagePushedAt)}</span>
                    </td>
                  </tr>
                ))}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
        <Pager page={current} pages={pages} onPage={setPage} />
      </Section>
      {repo && <Lifecycle repository={name} />}
      {repo && <RepositoryPolicy repository={name} />}
    </main>
  );
}
