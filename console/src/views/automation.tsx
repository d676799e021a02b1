import { useEffect, useState } from "preact/hooks";
import { ecr } from "../api";
import { callError, EditorError, JsonEditor, syntaxError } from "../components/json-editor";
import { time } from "../format";
import { ErrorNote, Section } from "./common";

interface CacheRule {
  ecrRepositoryPrefix: string;
  upstreamRegistryUrl: string;
  upstreamRegistry?: string;
  upstreamRepositoryPrefix?: string;
  credentialArn?: string;
  createdAt?: number;
}

const kUpstreams = ["docker-hub", "ecr", "ecr-public", "quay", "k8s", "github-container-registry", "azure-container-registry", "gitlab-container-registry", "chainguard"];

function CacheRules() {
  const [rules, setRules] = useState<CacheRule[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState("");
  const [reload, setReload] = useState(0);
  const [form, setForm] = useState({ prefix: "", url: "", upstream: "docker-hub", credential: "" });
  useEffect(() => {
    ecr("DescribePullThroughCacheRules", { maxResults: 1000 }).then((out) => setRules(out.pullThroughCacheRules ?? []), setError);
  }, [reload]);
  const run = async (call: () => Promise<string>) => {
    setError(null);
    setNote("");
    try {
      setNote(await call());
      setReload(reload + 1);
    } catch (e) {
      setError(e);
    }
  };
  const create = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await ecr("CreatePullThroughCacheRule", {
        ecrRepositoryPrefix: form.prefix.trim(), upstreamRegistryUrl: form.url.trim(), upstreamRegistry: form.upstream,
        ...(form.credential.trim() ? { credentialArn: form.credential.trim() } : {}),
      });
      setForm({ ...form, prefix: "", url: "", credential: "" });
      return `Rule ${form.prefix.trim()} created.`;
    });
  };
  const field = (key: keyof typeof form) => (e: Event) => setForm({ ...form, [key]: (e.target as HTMLInputElement).value });
  return (
    <Section title="Pull-through cache rules">
      <p class="muted">Repositories under a prefix are filled from an upstream registry on first pull.</p>
      <ErrorNote error={error} action="changing pull-through cache rules" />
      {note && <p role="status">{note}</p>}
      <table class="list" id="cache-rules">
        <thead><tr><th scope="col">Prefix</th><th scope="col">Upstream</th><th scope="col">Credentials</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(rules ?? []).map((r) => (
            <tr key={r.ecrRepositoryPrefix}>
              <td><code>{r.ecrRepositoryPrefix}</code></td>
              <td>{r.upstreamRegistryUrl} <span class="muted">{r.upstreamRegistry ?? ""}</span></td>
              <td>{r.credentialArn ? <code>{r.credentialArn}</code> : <span class="muted">none</span>}</td>
              <td>{time(r.createdAt)}</td>
              <td class="actions">
                <button type="button" onClick={() => run(async () => {
                  const out = await ecr("ValidatePullThroughCacheRule", { ecrRepositoryPrefix: r.ecrRepositoryPrefix });
                  return out.isValid ? `${r.ecrRepositoryPrefix}: the upstream answers.` : `${r.ecrRepositoryPrefix}: ${out.failure ?? "not valid"}`;
                })} aria-label={`Validate rule ${r.ecrRepositoryPrefix}`}>Validate</button>{" "}
                <button type="button" class="danger" onClick={() => confirm(`Delete rule ${r.ecrRepositoryPrefix}?`) && run(async () => {
                  await ecr("DeletePullThroughCacheRule", { ecrRepositoryPrefix: r.ecrRepositoryPrefix });
                  return `Rule ${r.ecrRepositoryPrefix} deleted.`;
                })} aria-label={`Delete rule ${r.ecrRepositoryPrefix}`}>Delete</button>
              </td>
            </tr>
          ))}
          {rules !== null && rules.length === 0 && <tr><td colSpan={5} class="muted">No rules.</td></tr>}
        </tbody>
      </table>
      <form class="toolbar" onSubmit={create}>
        <label for="rule-prefix">Prefix</label>
        <input id="rule-prefix" required value={form.prefix} onInput={field("prefix")} />
        <label for="rule-url">Upstream URL</label>
        <input id="rule-url" required placeholder="registry-1.docker.io" value={form.url} onInput={field("url")} />
        <label for="rule-upstream">Kind</label>
        <select id="rule-upstream" value={form.upstream} onChange={field("upstream")}>
          {kUpstreams.map((u) => <option key={u} value={u}>{u}</option>)}
        </select>
        <label for="rule-credential">Credential secret ARN</label>
        <input id="rule-credential" placeholder="arn:aws:secretsmanager:…:secret:ecr-pullthroughcache/…" value={form.credential} onInput={field("credential")} />
        <button type="submit" id="create-rule">Create rule</button>
      </form>
    </Section>
  );
}

interface Template {
  prefix: string;
  description?: string;
  appliedFor?: string[];
  imageTagMutability?: string;
  createdAt?: number;
  [key: string]: unknown;
}

const kExampleTemplate = {
  prefix: "team",
  description: "Repositories of the team",
  appliedFor: ["CREATE_ON_PUSH", "PULL_THROUGH_CACHE", "REPLICATION"],
  imageTagMutability: "IMMUTABLE",
};

function Templates() {
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [text, setText] = useState(JSON.stringify(kExampleTemplate, null, 2));
  const [editorError, setEditorError] = useState<EditorError | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const [reload, setReload] = useState(0);
  useEffect(() => {
    ecr("DescribeRepositoryCreationTemplates", { maxResults: 1000 }).then((out) => setTemplates(out.repositoryCreationTemplates ?? []), setError);
  }, [reload]);
  const save = async () => {
    const bad = syntaxError(text);
    setEditorError(bad);
    setNote("");
    if (bad) return;
    const input = JSON.parse(text);
    for (const key of ["createdAt", "updatedAt"]) delete input[key];
    try {
      await ecr(editing === input.prefix ? "UpdateRepositoryCreationTemplate" : "CreateRepositoryCreationTemplate", input);
      setNote(`Template ${input.prefix} saved.`);
      setEditing(input.prefix);
      setReload(reload + 1);
    } catch (e) {
      setEditorError(callError(text, e));
    }
  };
  const remove = async (prefix: string) => {
    if (!confirm(`Delete template ${prefix}?`)) return;
    setError(null);
    try {
      await ecr("DeleteRepositoryCreationTemplate", { prefix });
      setReload(reload + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Section title="Repository creation templates">
      <p class="muted">Settings given to repositories that pushes, the pull-through cache or replication create under a prefix.</p>
      <ErrorNote error={error} action="changing creation templates" />
      <table class="list" id="templates">
        <thead><tr><th scope="col">Prefix</th><th scope="col">Applied for</th><th scope="col">Tags</th><th scope="col">Description</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(templates ?? []).map((t) => (
            <tr key={t.prefix}>
              <td><code>{t.prefix}</code></td>
              <td>{(t.appliedFor ?? []).join(", ")}</td>
              <td>{t.imageTagMutability?.toLowerCase() ?? "mutable"}</td>
              <td>{t.description ?? ""}</td>
              <td class="actions">
                <button type="button" onClick={() => { setEditing(t.prefix); setText(JSON.stringify(t, null, 2)); setEditorError(null); }}
                  aria-label={`Edit template ${t.prefix}`}>Edit</button>{" "}
                <button type="button" class="danger" onClick={() => remove(t.prefix)} aria-label={`Delete template ${t.prefix}`}>Delete</button>
              </td>
            </tr>
          ))}
          {templates !== null && templates.length === 0 && <tr><td colSpan={5} class="muted">No templates.</td></tr>}
        </tbody>
      </table>
      <JsonEditor id="template" label={editing ? `Template ${editing} (JSON)` : "New template (JSON)"} value={text}
        onInput={(t) => { setText(t); setEditorError(null); }} error={editorError} rows={10} />
      <div class="toolbar">
        <button type="button" id="template-save" onClick={save}>Save template</button>
        {editing && <button type="button" onClick={() => { setEditing(null); setText(JSON.stringify(kExampleTemplate, null, 2)); }}>New template</button>}
        {note && <span role="status">{note}</span>}
      </div>
    </Section>
  );
}

// Rules that act on their own: the pull-through cache and repository creation templates.
export function Automation() {
  return (
    <main id="main">
      <h1>Cache rules and templates</h1>
      <CacheRules />
      <Templates />
    </main>
  );
}
