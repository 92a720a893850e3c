/**
 * A tiny, deterministic stand-in for `sh -c` used by the fake driver: enough for tests to check
 * console output and exec without an engine. Understands `;`, `&&`, `||`, quotes, `$VAR` /
 * `${VAR}`, output redirection to a file (`>`, `>>`), and the builtins echo, exit, true, false,
 * cat, env/printenv, hostname and sleep (which returns at once). Anything else is "not found"
 * (status 127), as in a real shell. Redirection writes into `world.files`.
 */
export interface FakeShellWorld {
  env: Record<string, string>;
  files: Record<string, string>;
  hostname: string;
}

export interface FakeShellResult {
  output: string;
  exitCode: number;
}

type Op = ';' | '&&' | '||';
type Token = string | { op: Op } | { redirect: '>' | '>>' };

/** Splits a script into words and operators, honouring quotes and expanding variables. */
function tokenize(script: string, env: Record<string, string>): Token[] {
  const out: Token[] = [];
  let word: string | undefined;
  const push = () => {
    if (word !== undefined) out.push(word);
    word = undefined;
  };
  const expand = (i: number): [string, number] => {
    const braced = script[i + 1] === '{';
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(script.slice(i + (braced ? 2 : 1)));
    if (!m) return ['$', i + 1];
    const end = i + (braced ? 2 : 1) + m[0].length + (braced ? 1 : 0);
    return [env[m[0]] ?? '', end];
  };
  let i = 0;
  while (i < script.length) {
    const c = script[i];
    if (c === ';' || c === '\n') { push(); out.push({ op: ';' }); i++; continue; }
    if ((c === '&' || c === '|') && script[i + 1] === c) { push(); out.push({ op: c === '&' ? '&&' : '||' }); i += 2; continue; }
    if (c === '>') { push(); out.push({ redirect: script[i + 1] === '>' ? '>>' : '>' }); i += script[i + 1] === '>' ? 2 : 1; continue; }
    if (c === ' ' || c === '\t') { push(); i++; continue; }
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? script.length : end;
      word = (word ?? '') + script.slice(i + 1, stop);
      i = stop + 1;
      continue;
    }
    if (c === '"') {
      word = word ?? '';
      i++;
      while (i < script.length && script[i] !== '"') {
        if (script[i] === '$') {
          const [v, next] = expand(i);
          word += v;
          i = next;
        } else {
          word += script[i++];
        }
      }
      i++;
      continue;
    }
    if (c === '$') {
      const [v, next] = expand(i);
      word = (word ?? '') + v;
      i = next;
      continue;
    }
    word = (word ?? '') + c;
    i++;
  }
  push();
  return out;
}

function builtin(argv: string[], world: FakeShellWorld): FakeShellResult & { exit?: boolean } {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case 'echo': {
      const noNewline = args[0] === '-n';
      const text = (noNewline ? args.slice(1) : args).join(' ');
      return { output: noNewline ? text : `${text}\n`, exitCode: 0 };
    }
    case 'exit': return { output: '', exitCode: Number.parseInt(args[0] ?? '0', 10) || 0, exit: true };
    case 'true': case ':': case 'sleep': case 'trap': return { output: '', exitCode: 0 };
    case 'false': return { output: '', exitCode: 1 };
    case 'hostname': return { output: `${world.hostname}\n`, exitCode: 0 };
    case 'env': case 'printenv':
      if (args.length === 0) return { output: Object.entries(world.env).map(([k, v]) => `${k}=${v}\n`).join(''), exitCode: 0 };
      return args.every((a) => a in world.env)
        ? { output: args.map((a) => `${world.env[a]}\n`).join(''), exitCode: 0 }
        : { output: args.filter((a) => a in world.env).map((a) => `${world.env[a]}\n`).join(''), exitCode: 1 };
    case 'cat': {
      let output = '';
      let exitCode = 0;
      for (const f of args) {
        if (f in world.files) output += world.files[f];
        else { output += `cat: can't open '${f}': No such file or directory\n`; exitCode = 1; }
      }
      return { output, exitCode };
    }
    default:
      return { output: `sh: ${cmd}: not found\n`, exitCode: 127 };
  }
}

/** The script `sh -c` would run for this command line. */
export function scriptOf(command: string[]): string {
  if (command.length >= 3 && /(^|\/)(ba)?sh$/.test(command[0]) && command[1] === '-c') return command[2];
  return command.map((a) => (/^[\w./=:-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/**
 * Runs a script. With `echoOnly` (console simulation of an instance's main command) only `echo`
 * and `exit` have effects; loops and other commands are skipped, as if the program ran on.
 */
export function runFakeShell(script: string, world: FakeShellWorld, echoOnly = false): FakeShellResult {
  const tokens = tokenize(script, world.env);
  let output = '';
  let status = 0;
  let skip = false;
  let argv: string[] = [];
  let redirect: { append: boolean; path?: string } | undefined;
  const runPending = (): boolean => {
    if (argv.length === 0 || skip) return false;
    if (echoOnly && argv[0] !== 'echo' && argv[0] !== 'exit') return false;
    if (redirect && redirect.path === undefined) {
      output += 'sh: syntax error: unexpected end of file\n';
      status = 2;
      return false;
    }
    const r = builtin(argv, world);
    if (redirect?.path !== undefined) world.files[redirect.path] = (redirect.append ? world.files[redirect.path] ?? '' : '') + r.output;
    else output += r.output;
    status = r.exitCode;
    return r.exit === true;
  };
  for (const t of tokens) {
    if (typeof t === 'string') {
      if (redirect && redirect.path === undefined) redirect.path = t;
      else argv.push(t);
      continue;
    }
    if ('redirect' in t) { redirect = { append: t.redirect === '>>' }; continue; }
    if (runPending()) return { output, exitCode: status };
    argv = [];
    redirect = undefined;
    skip = (t.op === '&&' && status !== 0) || (t.op === '||' && status === 0);
  }
  runPending();
  return { output, exitCode: status };
}

/**
 * The signals a script traps, each with the action it runs (`trap "exit 0" TERM INT` → TERM and
 * INT). Signals are keyed as written, without a `SIG` prefix; numbers stay numbers.
 */
export function trapsIn(script: string): Record<string, string> {
  const traps: Record<string, string> = {};
  let command: string[] = [];
  const take = () => {
    if (command[0] === 'trap' && command.length >= 3) {
      for (const sig of command.slice(2)) traps[sig.toUpperCase().replace(/^SIG/, '')] = command[1];
    }
    command = [];
  };
  for (const t of tokenize(script, {})) {
    if (typeof t === 'string') command.push(t);
    else if ('op' in t) take();
  }
  take();
  return traps;
}
