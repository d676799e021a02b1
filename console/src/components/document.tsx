import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api";
import { Section } from "../views/common";
import { callError, EditorError, JsonEditor, syntaxError } from "./json-editor";

// A JSON document the registry keeps (a policy, a configuration): loaded, edited, checked as JSON
// here and by Berth on save, and deleted. `load` answers null when there is none yet.
export function DocumentEditor({ id, title, load, save, remove, example, help }: {
  id: string;
  title: string;
  load: () => Promise<string | null>;
  save: (text: string) => Promise<void>;
  remove?: () => Promise<void>;
  example: object;
  help?: string;
}) {
  const [text, setText] = useState("");
  const [stored, setStored] = useState<boolean | null>(null);
  const [error, setError] = useState<EditorError | null>(null);
  const [message, setMessage] = useState("");
  useEffect(() => {
    load().then((t) => {
      setText(t === null ? JSON.stringify(example, null, 2) : JSON.stringify(JSON.parse(t), null, 2));
      setStored(t !== null);
    }, (e) => setError(callError("", e)));
  }, [id]);

  const run = async (action: () => Promise<void>, done: string) => {
    setMessage("");
    setError(null);
    try {
      await action();
      setMessage(done);
    } catch (e) {
      setError(callError(text, e));
    }
  };
  const onSave = () => {
    const bad = syntaxError(text);
    if (bad) {
      setError(bad);
      return;
    }
    run(async () => { await save(text); setStored(true); }, "Saved.");
  };
  const onRemove = () => {
    if (!remove || !confirm(`Delete the ${title.toLowerCase()}?`)) return;
    run(async () => { await remove(); setStored(false); setText(JSON.stringify(example, null, 2)); }, "Deleted.");
  };
  return (
    <Section title={title}>
      {help && <p class="muted">{help}</p>}
      {stored === null && !error ? <p class="muted" role="status">Loading…</p> : (
        <>
          <JsonEditor id={id} label={stored ? `${title} (JSON)` : `${title} (JSON) — none set; an example to start from:`}
            value={text} onInput={(t) => { setText(t); setError(null); }} error={error} />
          <div class="toolbar">
            <button type="button" id={`${id}-save`} onClick={onSave}>Save</button>
            {remove && stored && <button type="button" class="danger" id={`${id}-delete`} onClick={onRemove}>Delete</button>}
            {message && <span role="status">{message}</span>}
          </div>
        </>
      )}
    </Section>
  );
}

// load() for a Get* call whose absence is an exception: null instead of the error.
export async function orNull(call: () => Promise<string>, absent: string): Promise<string | null> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ApiError && e.type === absent) return null;
    throw e;
  }
}
