// web-ext ships no types: only the call the Firefox extension test makes, with its result left to narrow.
declare module 'web-ext' {
  export const cmd: {
    lint(
      params: { sourceDir: string; output: 'none' | 'json' | 'text'; warningsAsErrors?: boolean },
      options: { shouldExitProgram: boolean },
    ): Promise<unknown>;
  };
}
