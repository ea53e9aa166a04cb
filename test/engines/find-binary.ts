import { accessSync, constants } from 'node:fs';
import path from 'node:path';

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * `$envVar` when set (it must be executable), else the first of `candidates` (absolute paths or names on PATH);
 * else an error whose single line says how to get one.
 */
export function findBinary(
  what: string,
  envVar: string,
  candidates: readonly string[],
  install: string,
): string {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`${envVar}=${fromEnv} is not an executable file`);
  }
  for (const candidate of candidates) {
    if (path.isAbsolute(candidate)) {
      if (isExecutable(candidate)) return candidate;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (dir !== '' && isExecutable(path.join(dir, candidate))) return path.join(dir, candidate);
    }
  }
  throw new Error(`No ${what} found: ${install} (or run .ci/run), or set ${envVar}`);
}
