import { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../api";

// An error from a call, explained: a refusal by policy says so and quotes the policy's answer.
export function ErrorNote({ error, action }: { error: unknown; action?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError("Error", String(error), 0);
  return (
    <p class={e.denied ? "note denied" : "note error"} role="alert">
      {e.denied ? `Your policies do not allow ${action ?? "this"}. ` : ""}
      <strong>{e.type}</strong>: {e.message}
    </p>
  );
}

// A command line with a button that copies it.
export function CopyLine({ label, text }: { label: string; text: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // Clipboard refused (no secure context): the text stays selectable.
    }
  };
  return (
    <div class="copyline">
      <span class="copylabel">{label}</span>
      <code>{text}</code>
      <button type="button" onClick={copy} aria-label={`Copy: ${label}`}>{copied ? "Copied" : "Copy"}</button>
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return <p class="muted" role="status">Loading {what}…</p>;
}

export function Pager({ page, pages, onPage }: { page: number; pages: number; onPage: (p: number) => void }) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={page === 0} onClick={() => onPage(page - 1)}>Previous</button>
      <span>Page {page + 1} of {pages}</span>
      <button type="button" disabled={page + 1 >= pages} onClick={() => onPage(page + 1)}>Next</button>
    </nav>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}
