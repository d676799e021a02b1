// Formatting of registry values for display. Everything is rendered as text by Preact, never as
// HTML, so these only shape strings.

export function bytes(n: number | undefined): string {
  if (n === undefined || n === null) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

// ECR's timestamps are seconds since the epoch (fractions allowed).
export function time(seconds: number | undefined): string {
  if (!seconds) return "–";
  return new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function shortDigest(digest: string): string {
  return digest.startsWith("sha256:") ? digest.slice(0, 19) : digest;
}
