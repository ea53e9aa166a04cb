export interface User {
  id: string;
  name: string;
}

/** The demo users. Every password is `demo`: this is a reference server, not an identity provider. */
export const USERS: readonly User[] = [
  { id: 'alice', name: 'Alice Martin' },
  { id: 'bob', name: 'Bob Chen' },
  { id: 'carol', name: 'Carol Diaz' },
];

export const DEMO_PASSWORD = 'demo';

/** The actor of changes made through `/__mock/*` ("another user") when no user is named. */
export const SYSTEM_ACTOR = 'system';

export function findUser(id: string): User | undefined {
  return USERS.find((user) => user.id === id);
}
