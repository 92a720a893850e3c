import { BadRequestError } from '../../common/errors/api-error';

/**
 * Splits a command line as Python's shlex.split does (POSIX mode), which is what Zun's docker
 * driver does with `execute?command=`: quotes group, backslashes escape, whitespace separates.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote === "'") {
      if (c === "'") quote = null; else cur += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1])) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c; has = true;
    } else if (c === '\\') {
      if (i + 1 < line.length) { cur += line[++i]; has = true; }
    } else if (/\s/.test(c)) {
      if (has) { words.push(cur); cur = ''; has = false; }
    } else {
      cur += c; has = true;
    }
  }
  if (quote) throw new BadRequestError(`Invalid command ${line}: no closing quotation.`);
  if (has) words.push(cur);
  return words;
}
