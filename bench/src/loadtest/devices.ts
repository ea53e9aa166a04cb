import 'fake-indexeddb/auto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Device, type DeviceReport } from './device.js';

export interface DevicesSettings {
  run: string;
  origin: string;
  from: number;
  to: number;
  teams: number;
  /** Mean pause between two actions of one device, ms. */
  thinkMs: number;
  /** Chance per action that the device then goes offline for a while. */
  offlineRate: number;
}

/** Messages the run sends a devices process, and what it answers. */
export type ToDevices =
  { type: 'start'; untilMs: number } | { type: 'settle' } | { type: 'pull' } | { type: 'report' };
export type FromDevices =
  | { type: 'opened' }
  | { type: 'stopped' }
  | { type: 'settled' }
  | { type: 'pulled' }
  | { type: 'report'; reports: DeviceReport[] };

/** A process of devices: the run spreads them over a few, so a thousand engines do not share one event loop. */
export async function runDevices(settings: DevicesSettings): Promise<void> {
  const send = (message: FromDevices): void => {
    process.send?.(message);
  };
  const devices: Device[] = [];
  for (let i = settings.from; i < settings.to; i++)
    devices.push(new Device(i, settings.origin, settings.teams));
  // Open and take a first copy a few at a time: a thousand first pulls at once is a thundering herd, not a workload.
  for (let i = 0; i < devices.length; i += 20) {
    await Promise.all(
      devices.slice(i, i + 20).map(async (device) => {
        await device.open(settings.run);
        await device.sync();
      }),
    );
  }
  send({ type: 'opened' });

  const live = async (device: Device, untilMs: number): Promise<void> => {
    await sleep(Math.random() * Math.min(settings.thinkMs, untilMs - Date.now()));
    while (Date.now() < untilMs) {
      await device.act();
      if (device.online && Math.random() < settings.offlineRate) {
        device.goOffline();
        const back = 1000 + Math.random() * 7000;
        setTimeout(() => void device.goOnline(), back);
      }
      // Never past the end: the run's writes/s counts the time the devices were told to act.
      await sleep(Math.max(0, Math.min(settings.thinkMs * (0.5 + Math.random()), untilMs - Date.now())));
    }
  };

  process.on('message', (message: ToDevices) => {
    void (async () => {
      if (message.type === 'start') {
        await Promise.all(devices.map((device) => live(device, message.untilMs)));
        send({ type: 'stopped' });
      } else if (message.type === 'settle') {
        await inBatches(devices, (device) => device.settle());
        send({ type: 'settled' });
      } else if (message.type === 'pull') {
        await inBatches(devices, (device) => device.sync());
        send({ type: 'pulled' });
      } else {
        const reports: DeviceReport[] = [];
        for (const device of devices) reports.push(await device.report());
        for (const device of devices) await device.close();
        send({ type: 'report', reports });
      }
    })();
  });
}

async function inBatches(devices: Device[], fn: (device: Device) => Promise<void>): Promise<void> {
  for (let i = 0; i < devices.length; i += 50) await Promise.all(devices.slice(i, i + 50).map(fn));
}
