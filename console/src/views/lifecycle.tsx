import { useEffect, useState } from "preact/hooks";
import { ApiError, ecr } from "../api";
import { shortDigest, time } from "../format";
import { callError, EditorError, JsonEditor, syntaxError } from "../components/json-editor";
import { ErrorNote, Section } from "./common";

interface PreviewResult {
  imageDigest: string;
  imageTags?: string[];
  imagePushedAt?: number;
  action?: { type: string };
  appliedRulePriority?: number;
}

const kExample = JSON.stringify({
  rules: [{
    rulePriority: 1,
    description: "Keep the last 10 untagged images",
    selection: { tagStatus: "untagged", countType: "imageCountMoreThan", countNumber: 10 },
    action: { type: "expire" },
  }],
}, null, 2);

// The lifecycle policy of a repository: edited as text, checked as JSON here and by Berth's
// own validation on preview and save, and previewed: exactly the images a run would expire.
export function Lifecycle({ repository }: { repository: string }) {
  const [text, setText] = useState("");
  const [stored, setStored] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editorError, setEditorError] = useState<EditorError | null>(null);
  const [message, setMessage] = useState("");
  const [preview, setPreview] = useState<PreviewResult[] | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    ecr("GetLifecyclePolicy", { repositoryName: repository }).then((out) => {
      const pretty = JSON.stringify(JSON.parse(out.lifecyclePolicyText), null, 2);
      setText(pretty);
      setStored(pretty);
    }, (e) => {
      if (e instanceof ApiError && e.type === "LifecyclePolicyNotFoundException") {
        setText(kExample);
        setStored(null);
      } else {
        setError(e);
      }
    });
  }, [repository]);

  const parsed = (): boolean => {
    const bad = syntaxError(text);
    setEditorError(bad);
    return bad === null;
  };

  const runPreview = async () => {
    setError(null);
    setEditorError(null);
    setMessage("");
    setPreview(null);
    if (!parsed()) return;
    setBusy(true);
    try {
      await ecr("StartLifecyclePolicyPreview", { repositoryName: repository, lifecyclePolicyText: text });
      for (let attempt = 0; attempt < 60; attempt++) {
        const out = await ecr("GetLifecyclePolicyPreview", { repositoryName: repository, maxResults: 100 });
        if (out.status === "COMPLETE") {
          const results: PreviewResult[] = [...(out.previewResults ?? [])];
          let nextToken = out.nextToken;
          while (nextToken) {
            const page = await ecr("GetLifecyclePolicyPreview", { repositoryName: repository, maxResults: 100, nextToken });
            results.push(...(page.previewResults ?? []));
            nextToken = page.nextToken;
          }
          setPreview(results);
          return;
        }
        if (out.status === "FAILED") throw new ApiError("PreviewFailed", "the preview failed", 500);
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new ApiError("PreviewTimedOut", "the preview did not complete in 30 seconds", 504);
    } catch (e) {
      setEditorError(callError(text, e));
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    setError(null);
    setMessage("");
    if (!parsed()) return;
    try {
      await ecr("PutLifecyclePolicy", { repositoryName: repository, lifecyclePolicyText: text });
      setStored(text);
      setMessage("Saved. The policy runs on its schedule.");
    } catch (e) {
      setEditorError(callError(text, e));
    }
  };

  const remove = async () => {
    if (!confirm(`Delete the lifecycle policy of ${repository}?`)) return;
    setError(null);
    try {
      await ecr("DeleteLifecyclePolicy", { repositoryName: repository });
      setStored(null);
      setMessage("Deleted.");
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Section title="Lifecycle policy">
      <JsonEditor id="lifecycle-policy" label={`Policy (JSON)${stored === null ? " — none saved yet; an example to start from:" : ""}`}
        value={text} onInput={(t) => { setText(t); setEditorError(null); }} error={editorError} />
      <div class="toolbar">
        <button type="button" id="lifecycle-preview" onClick={runPreview} disabled={busy}>{busy ? "Previewing…" : "Preview"}</button>
        <button type="button" id="lifecycle-save" onClick={save}>Save</button>
        {stored !== null && <button type="button" class="danger" onClick={remove}>Delete policy</button>}
      </div>
      {message && <p role="status">{message}</p>}
      <ErrorNote error={error} action="this lifecycle policy change" />
      {preview && (preview.length === 0 ? <p id="lifecycle-preview-empty">No image would expire.</p> : (
        <>
          <p role="status">{preview.length} image{preview.length === 1 ? "" : "s"} would expire:</p>
          <table class="list" id="lifecycle-preview-results">
            <thead><tr><th scope="col">Tags</th><th scope="col">Digest</th><th scope="col">Pushed</th><th scope="col">Rule</th><th scope="col">Action</th></tr></thead>
            <tbody>
              {preview.map((r) => (
                <tr key={r.imageDigest}>
                  <td>{r.imageTags?.length ? r.imageTags.join(", ") : <span class="muted">untagged</span>}</td>
                  <td><code title={r.imageDigest}>{shortDigest(r.imageDigest)}</code></td>
                  <td>{time(r.imagePushedAt)}</td>
                  <td>{r.appliedRulePriority ?? "–"}</td>
                  <td>{r.action?.type?.toLowerCase() ?? "expire"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ))}
    </Section>
  );
}
