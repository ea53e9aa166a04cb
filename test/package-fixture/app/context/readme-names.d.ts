// Names the READMEs' snippets leave to the reader's own code.
declare global {
  /** The signed-in user's bearer token, from the app's sign-in. */
  const token: string;
  const userId: string;
  /** The app's way to a fresh token (a refresh endpoint, say). */
  function getToken(): Promise<string>;
}
export {};
