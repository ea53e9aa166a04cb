import { z } from 'zod';
import type { CollectionConfig } from '../../../server/src/index.js';

/**
 * The load run's data: devices in teams; a team's projects are shared by its devices (edited by all of them, so
 * conflicts happen), tasks are children of a project. Teams keep each device's local copy small: a thousand devices
 * each holding every record would measure fake-indexeddb, not the server.
 */
export const userOf = (device: number): string => `d${device}`;
export const teamOf = (device: number, teams: number): string => `t${device % teams}`;

export function membersOf(team: string, devices: number, teams: number): string[] {
  const index = Number(team.slice(1));
  const out: string[] = [];
  for (let device = index; device < devices; device += teams) out.push(userOf(device));
  return out;
}

export function collections(devices: number, teams: number): CollectionConfig[] {
  return [
    {
      name: 'projects',
      idPrefix: 'pj',
      schema: z.strictObject({
        team: z.string().regex(/^t\d+$/),
        title: z.string().min(1).max(200),
        status: z.enum(['open', 'active', 'done']).default('open'),
        // Who created it and their n-th write: the checks find each create exactly once by it.
        op: z.string().min(1).max(100),
      }),
      readers: (data) => (typeof data.team === 'string' ? membersOf(data.team, devices, teams) : []),
    },
    {
      name: 'tasks',
      idPrefix: 'tk',
      schema: z.strictObject({
        projectId: z.string().min(1).max(200),
        title: z.string().min(1).max(200),
        done: z.boolean().default(false),
        op: z.string().min(1).max(100),
      }),
      parent: { field: 'projectId', collection: 'projects' },
      readers: 'parent',
    },
  ];
}
