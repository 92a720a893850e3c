/**
 * Shared reporting for the benches: each bench replaces only its own "## bench:NAME" section of
 * docs/benchmarks.md, so sections written by other benches (bench:rpc, …) are kept as they are.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';

/** dist/bench/lib/report.js → <repo>/docs/benchmarks.md */
export const BENCHMARKS_DOC = join(__dirname, '..', '..', '..', 'docs', 'benchmarks.md');

/**
 * Replaces the section headed `## <name>` (up to the next `## ` heading) with `## <name>` + markdown,
 * or appends it when the document has no such section yet. Written through a temporary file and a
 * rename, so a reader never sees half a document.
 */
export function writeSection(name: string, markdown: string, doc = BENCHMARKS_DOC): void {
  const heading = `## ${name}`;
  const section = `${heading}\n\n${markdown.trim()}\n`;
  const text = existsSync(doc) ? readFileSync(doc, 'utf8') : '# Benchmarks\n';
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === heading);
  let out: string;
  if (start < 0) {
    out = `${text.trimEnd()}\n\n${section}`;
  } else {
    let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    if (end < 0) end = lines.length;
    const before = lines.slice(0, start).join('\n').trimEnd();
    const after = lines.slice(end).join('\n').trim();
    out = `${before}\n\n${section}${after ? `\n${after}\n` : ''}`;
  }
  mkdirSync(dirname(doc), { recursive: true });
  const tmp = `${doc}.${process.pid}.tmp`;
  writeFileSync(tmp, out);
  renameSync(tmp, doc);
}

/** "2 cores (AMD EPYC …), 24 GiB, Linux 6.x, Node v20.x" */
export function machine(): string {
  const cpus = os.cpus();
  const model = (cpus[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim();
  const gib = Math.round(os.totalmem() / 2 ** 30);
  return `${cpus.length} cores (${model}), ${gib} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}

/** Load averages when the bench starts: the machine is shared, so a busy neighbour shows here. */
export function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' / ');
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtMs(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

export function fmtMiB(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** A markdown table; numeric-looking columns are right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.,×x%<>≤≥ –-]+$/.test(String(r[i] ?? ''))));
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (numeric[i] ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(String).join(' | ')} |`),
  ].join('\n');
}

/** MET / MISSED, printed loudly and returned for the document. */
export function verdict(label: string, met: boolean, detail: string): string {
  const word = met ? 'met' : 'MISSED';
  process.stdout.write(`${met ? 'TARGET MET   ' : 'TARGET MISSED'}  ${label}: ${detail}\n`);
  return `- ${label}: ${detail} — **${word}**`;
}
