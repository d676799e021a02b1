// Where things are in a JSON text, by line: so an error about "Statement[1].Effect" or a syntax
// error at some position is shown on its line. A small scanner of its own, because JSON.parse
// keeps no positions.

// The 1-based line of each path in the text: "Statement" (the key), "Statement[0]" (the element's
// first character), "Statement[0].Effect". Unparseable text yields what was seen before the
// error.
export function linesOfPaths(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const skip = () => {
    while (i < text.length && " \t\r\n".includes(text[i])) {
      if (text[i] === "\n") line++;
      i++;
    }
  };
  const string = (): string => {
    let out = "";
    i++;  // the opening quote
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") i++;
      out += text[i] ?? "";
      i++;
    }
    i++;
    return out;
  };
  const value = (path: string, depth: number): void => {
    if (depth > 64) throw new Error("too deep");
    skip();
    if (path) lines.set(path, lines.get(path) ?? line);
    const c = text[i];
    if (c === "{") {
      i++;
      skip();
      if (text[i] === "}") { i++; return; }
      for (;;) {
        skip();
        if (text[i] !== '"') throw new Error("key expected");
        const keyLine = line;
        const key = string();
        const child = path ? `${path}.${key}` : key;
        lines.set(child, keyLine);
        skip();
        if (text[i] !== ":") throw new Error(": expected");
        i++;
        value(child, depth + 1);
        skip();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return; }
        throw new Error(", or } expected");
      }
    } else if (c === "[") {
      i++;
      skip();
      if (text[i] === "]") { i++; return; }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`, depth + 1);
        skip();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return; }
        throw new Error(", or ] expected");
      }
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !",}] \t\r\n".includes(text[i])) i++;
    }
  };
  try {
    value("", 0);
  } catch {
    // Keep what was located before the text stopped making sense.
  }
  return lines;
}

// The line an error message is about: the first path in it that the text has, or the longest
// prefix of one ("Statement[1].Effect must be ..."), paths with a "[" or "." before bare words;
// undefined when it names none.
export function lineOfMessage(text: string, message: string): number | undefined {
  const candidates = Array.from(message.matchAll(/[A-Za-z]+(?:\[\d+\])?(?:\.[A-Za-z]+(?:\[\d+\])?)*/g), (m) => m[0]);
  const structured = candidates.filter((c) => /[.[]/.test(c));
  const lines = linesOfPaths(text);
  for (const candidate of [...structured, ...candidates]) {
    let path = candidate;
    while (path) {
      const line = lines.get(path);
      if (line !== undefined) return line;
      const cut = Math.max(path.lastIndexOf("."), path.lastIndexOf("["));
      path = cut > 0 ? path.slice(0, cut) : "";
    }
  }
  return undefined;
}

// The line a JSON.parse error points at (V8 says "at position N", or "end of JSON input").
export function lineOfSyntaxError(text: string, error: unknown): { line: number; column: number } | undefined {
  const match = /position (\d+)/.exec(String(error));
  const at = match ? Number(match[1]) : /end of JSON input/.test(String(error)) ? text.length : -1;
  if (at < 0) return undefined;
  const before = text.slice(0, at);
  return { line: before.split("\n").length, column: at - before.lastIndexOf("\n") };
}

// Puts the caret on a line of a textarea and scrolls it into view.
export function selectLine(area: HTMLTextAreaElement | null, line: number): void {
  if (!area) return;
  const lines = area.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  area.focus();
  area.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
  const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 18;
  area.scrollTop = Math.max(0, (line - 3) * lineHeight);
}
