import { useRef } from "preact/hooks";
import { ApiError } from "../api";
import { lineOfMessage, lineOfSyntaxError, selectLine } from "./json-lines";

export interface EditorError {
  message: string;
  line?: number;
  denied?: boolean;
}

// A JSON document edited as text, with a gutter of line numbers; an error, from the text's own
// syntax or from Berth's validation, is shown against its line, and the line is selected.
export function JsonEditor({ id, label, value, onInput, error, rows = 14 }: {
  id: string;
  label: string;
  value: string;
  onInput: (text: string) => void;
  error: EditorError | null;
  rows?: number;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const count = Math.max(rows, value.split("\n").length);
  return (
    <div class="json-editor">
      <label for={id}>{label}</label>
      <div class="json-frame">
        <div class="gutter" id={`${id}-gutter`} ref={gutter} aria-hidden="true">
          {Array.from({ length: count }, (_, n) => (
            <span key={n} class={error?.line === n + 1 ? "bad" : undefined}>{n + 1}</span>
          ))}
        </div>
        <textarea id={id} ref={area} class="code" rows={rows} spellcheck={false} value={value} wrap="off"
          aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined}
          onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)}
          onScroll={(e) => { if (gutter.current) gutter.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop; }} />
      </div>
      {error && (
        <p id={`${id}-error`} class={error.denied ? "note denied" : "note error"} role="alert">
          {error.line !== undefined ? (
            <button type="button" class="linkish" onClick={() => selectLine(area.current, error.line!)}>Line {error.line}</button>
          ) : null}
          {error.line !== undefined ? ": " : ""}{error.message}
        </p>
      )}
    </div>
  );
}

// The editor's error for a text that does not parse, or null when it does.
export function syntaxError(text: string): EditorError | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    const where = lineOfSyntaxError(text, e);
    return { message: `not valid JSON: ${e instanceof Error ? e.message : String(e)}`, line: where?.line };
  }
}

// The editor's error for a failed call about the text: placed on the line its message names.
export function callError(text: string, e: unknown): EditorError {
  const error = e instanceof ApiError ? e : new ApiError("Error", String(e), 0);
  return {
    message: `${error.type}: ${error.message}`,
    line: lineOfMessage(text, error.message),
    denied: error.denied,
  };
}
