/**
 * The READMEs' TypeScript and JavaScript snippets, as files of an app: every one must compile against the packed
 * packages (issue 15). A snippet is a fragment of the reader's code, so the names it declares at the top level are
 * exported (a reader goes on to use them; `noUnusedLocals` of the templates would call them unused), and the few
 * names it leaves to the reader (`token`, `userId`, `getToken`, Workbox's `self.__WB_MANIFEST`, the classic worker's
 * global `OfflineKit`) are declared in `app/context/`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where a snippet runs: decides its `lib` (WebWorker or DOM) and the names it may take for granted. */
export type Side = 'worker' | 'page';

export interface Snippet {
  /** `README.md:84`: where to fix it. */
  source: string;
  side: Side;
  /** File name inside the app's `src/<side>/`. */
  fileName: string;
  code: string;
}

/** The READMEs a user follows to add Offline Kit to an app (the repository's own tooling has its own checks). */
export const USER_READMES = [
  'README.md',
  'sw/README.md',
  'devtools-extension/README.md',
  'sample-app/README.md',
];

const FENCE = /^```(ts|js|typescript|javascript)\s*$/;

function sideOf(code: string): Side {
  if (/importScripts\(|from '@offline-kit\/sw'|from 'workbox-/.test(code)) return 'worker';
  return 'page';
}

/** Top-level `const`/`let`/`function`/`class` names (column 0: nested code is indented in every README). */
function topLevelNames(code: string): string[] {
  const names: string[] = [];
  for (const match of code.matchAll(/^(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/gm)) {
    if (match[1] !== undefined) names.push(match[1]);
  }
  return names;
}

export function extractSnippets(repoRoot: string, readmes: readonly string[] = USER_READMES): Snippet[] {
  const snippets: Snippet[] = [];
  for (const readme of readmes) {
    const lines = readFileSync(path.join(repoRoot, readme), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i += 1) {
      if (!FENCE.test(lines[i] ?? '')) continue;
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end] !== '```') end += 1;
      const body = lines.slice(start, end).join('\n');
      i = end;
      const names = topLevelNames(body);
      const source = `${readme}:${start}`;
      const stem = readme
        .replace(/\.md$/, '')
        .replace(/[^A-Za-z0-9]+/g, '-')
        .toLowerCase();
      snippets.push({
        source,
        side: sideOf(body),
        fileName: `readme-${stem}-${start}.ts`,
        code:
          `// ${source}\n${body}\n` +
          (names.length > 0 ? `export { ${names.join(', ')} };\n` : 'export {};\n'),
      });
    }
  }
  return snippets;
}
