/**
 * `npm run loadtest`: PostgreSQL, several app servers on @offline-kit/server behind a round-robin proxy that drops
 * some write answers after commit, and many devices running the real sync engine of `sw/` in node. One app server is
 * SIGKILLed in the middle of a batch and restarted. Reports throughput and latency, then checks the outcome; exits
 * non-zero when a check fails. See bench/README.md, "Load run".
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startCluster, type Cluster } from '../../../server/test/pg-cluster.js';
import { createSyncHandler } from '../../../server/src/index.js';
import { PostgresStore } from '../../../server/src/store/postgres.js';
import { runAppServer, type AppServerSettings } from './app-server.js';
import { collections } from './collections.js';
import type { DeviceReport } from './device.js';
import { runDevices, type DevicesSettings, type FromDevices, type ToDevices } from './devices.js';
import { checkRun, type CheckResult } from './checks.js';
import { cpuByRole } from './cpu.js';
import { WaitSampler } from './waits.js';
import { Proxy } from './proxy.js';

const SELF = fileURLToPath(import.meta.url);

interface Options {
  devices: number;
  seconds: number;
  servers: number;
  workers: number;
  thinkMs: number;
  dropRate: number;
  offlineRate: number;
  teams: number;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '60' },
      servers: { type: 'string', default: '3' },
      workers: { type: 'string', default: '2' },
      'think-ms': { type: 'string', default: '4000' },
      'drop-rate': { type: 'string', default: '0.05' },
      'offline-rate': { type: 'string', default: '0.1' },
      teams: { type: 'string' },
    },
  });
  const int = (name: string, value: string, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const rate = (name: string, value: string): number => {
    const n = Number(value);
    if (!(n >= 0 && n <= 1)) throw new Error(`--${name} must be between 0 and 1`);
    return n;
  };
  const devices = int('devices', values.devices, 2);
  return {
    devices,
    seconds: int('seconds', values.seconds, 5),
    servers: int('servers', values.servers, 2),
    workers: Math.min(int('workers', values.workers, 1), devices),
    thinkMs: int('think-ms', values['think-ms'], 50),
    dropRate: rate('drop-rate', values['drop-rate']),
    offlineRate: rate('offline-rate', values['offline-rate']),
    // About ten devices share a team's records.
    teams: values.teams === undefined ? Math.max(1, Math.floor(devices / 10)) : int('teams', values.teams, 1),
  };
}

function once<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T): void => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`a child process exited (${code}) before ${type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function startAppServer(settings: AppServerSettings): Promise<ChildProcess> {
  const child = fork(SELF, ['--role', 'server', '--settings', JSON.stringify(settings)], {
    stdio: 'inherit',
  });
  return once(child, 'ready').then(() => child);
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);

export async function main(argv: string[]): Promise<number> {
  const opts = options(argv);
  const run = Date.now().toString(36);
  const log = (line: string): void => console.info(`[loadtest] ${line}`);
  log(
    `${opts.devices} devices in ${opts.workers} processes, ${opts.teams} teams, ${opts.servers} app servers, ` +
      `${opts.seconds} s, a write every ~${opts.thinkMs} ms per device, ${opts.dropRate * 100}% of write answers dropped after commit`,
  );
  let cluster: Cluster | null = null;
  const children = new Set<ChildProcess>();
  let proxy: Proxy | null = null;
  let pool: pg.Pool | null = null;
  try {
    cluster = await startCluster();
    pool = new pg.Pool({ ...cluster.config, max: 4 });
    // A connection still open when the cluster stops at the end is ended by it; without a listener that error would
    // end the run with status 1 after every check had passed (seen once in a short run).
    pool.on('error', () => undefined);
    const store = await PostgresStore.open({ pool, schema: 'loadtest' });
    const seeder = createSyncHandler({ store, collections: collections(opts.devices, opts.teams) });
    for (let team = 0; team < opts.teams; team++) {
      for (let j = 0; j < 3; j++) {
        await seeder.changes.create('projects', {
          team: `t${team}`,
          title: `shared ${team}.${j}`,
          op: `seed-${team}-${j}`,
        });
      }
    }

    const ports = await Promise.all(Array.from({ length: opts.servers }, () => freePort()));
    const serverSettings = (port: number): AppServerSettings => ({
      pg: cluster?.config ?? {},
      devices: opts.devices,
      teams: opts.teams,
      port,
    });
    const servers = await Promise.all(ports.map((port) => startAppServer(serverSettings(port))));
    servers.forEach((child) => children.add(child));
    proxy = new Proxy(ports, opts.dropRate);
    const origin = `http://127.0.0.1:${await proxy.listen()}`;

    const workers: ChildProcess[] = [];
    const per = Math.ceil(opts.devices / opts.workers);
    for (let w = 0; w < opts.workers; w++) {
      const settings: DevicesSettings = {
        run,
        origin,
        from: w * per,
        to: Math.min(opts.devices, (w + 1) * per),
        teams: opts.teams,
        thinkMs: opts.thinkMs,
        offlineRate: opts.offlineRate,
      };
      const child = fork(SELF, ['--role', 'devices', '--settings', JSON.stringify(settings)], {
        stdio: 'inherit',
        execArgv: ['--max-old-space-size=3072'],
      });
      children.add(child);
      workers.push(child);
    }
    const openedAt = Date.now();
    await Promise.all(workers.map((child) => once<FromDevices>(child, 'opened')));
    log(`devices opened and took their first copy in ${((Date.now() - openedAt) / 1000).toFixed(1)} s`);

    const tell = (message: ToDevices): void => workers.forEach((child) => child.send(message));
    const all = (type: FromDevices['type']): Promise<FromDevices[]> =>
      Promise.all(workers.map((child) => once<FromDevices>(child, type)));

    const answersBefore = await countAnswers(pool);
    const pullsBefore = { ...proxy.stats };
    const waits = new WaitSampler(pool);
    waits.start();
    const started = Date.now();
    tell({ type: 'start', untilMs: started + opts.seconds * 1000 });
    const stopped = all('stopped');

    // Kill the second app server in the middle of a batch (or after 5 s of waiting for one), restart it 2 s later.
    await new Promise((resolve) => setTimeout(resolve, (opts.seconds * 1000) / 2));
    const victim = servers[1];
    const victimPort = ports[1];
    let killNote = 'no app server was killed';
    if (victim && victimPort !== undefined) {
      const waitUntil = Date.now() + 5000;
      while ((proxy.batchesInFlight.get(victimPort) ?? 0) === 0 && Date.now() < waitUntil) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const inBatch = proxy.batchesInFlight.get(victimPort) ?? 0;
      victim.kill('SIGKILL');
      children.delete(victim);
      killNote = `app server 2 SIGKILLed at ${((Date.now() - started) / 1000).toFixed(1)} s with ${inBatch} batch(es) in flight`;
      log(killNote);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const again = await startAppServer(serverSettings(victimPort));
      children.add(again);
      log('app server 2 restarted');
    }
    await stopped;
    const seconds = (Date.now() - started) / 1000;
    const answersAfter = await countAnswers(pool);
    const cpu = cpuByRole();
    waits.stop();
    const pulls = {
      pages: proxy.stats.pulls - pullsBefore.pulls,
      records: proxy.stats.pulledRecords - pullsBefore.pulledRecords,
      bytes: proxy.stats.pulledBytes - pullsBefore.pulledBytes,
    };
    log(`run over after ${seconds.toFixed(1)} s; final sync of every device`);
    const settleAt = Date.now();
    tell({ type: 'settle' });
    await all('settled');
    tell({ type: 'pull' });
    await all('pulled');
    log(`final sync took ${((Date.now() - settleAt) / 1000).toFixed(1)} s`);
    tell({ type: 'report' });
    const reports: DeviceReport[] = (await all('report')).flatMap((m) =>
      m.type === 'report' ? m.reports : [],
    );

    const latencies = reports.flatMap((r) => r.pushLatenciesMs).sort((a, b) => a - b);
    const writes = answersAfter - answersBefore;
    const results = await checkRun(pool, reports, opts.teams);
    const lines = [
      `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${release()}, node ${process.version}`,
      `devices ${opts.devices} (${opts.workers} processes), app servers ${opts.servers}, ${seconds.toFixed(0)} s`,
      `writes committed: ${writes} (${(writes / seconds).toFixed(1)}/s)`,
      `push requests: ${latencies.length}, latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`,
      `pulls: ${pulls.pages} pages, ${(pulls.records / seconds).toFixed(0)} records/s, ${(pulls.bytes / seconds / 1024).toFixed(0)} KiB/s`,
      `network: ${proxy.stats.droppedAfterCommit} write answers dropped after commit, ${proxy.stats.cutByKill} requests cut by the kill, ${proxy.stats.rerouted} rerouted`,
      killNote,
      `PostgreSQL sessions busy, mean over the run: ${waits.summary()}`,
      `CPU seconds during the run (setup included; a killed server's time is lost): ${Object.entries(cpu)
        .map(([role, seconds]) => `${role} ${seconds.toFixed(0)}`)
        .join(', ')}`,
      ...results.map((r) => `${r.ok ? 'PASS' : 'FAIL'} ${r.name}: ${r.detail}`),
    ];
    for (const line of lines) log(line);
    if (process.env.LOADTEST_TRACE === '1') {
      for (const r of reports) {
        if (r.leftInQueue.some((w) => w.state === 'failed')) {
          log(`trace of d${r.device}: ${JSON.stringify(r.leftInQueue)}`);
          for (const t of r.trace) log(`  ${t}`);
          break;
        }
      }
    }
    return results.every((r: CheckResult) => r.ok) ? 0 : 1;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await proxy?.close();
    await pool?.end().catch(() => undefined);
    await cluster?.stop();
  }
}

async function countAnswers(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM loadtest.ok_idempotency');
  return Number(rows[0]?.n ?? 0);
}

function role(argv: string[]): { role: string | undefined; settings: string | undefined } {
  const at = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i === -1 ? undefined : argv[i + 1];
  };
  return { role: at('--role'), settings: at('--settings') };
}

const self = role(process.argv.slice(2));
if (self.role === 'server' && self.settings) {
  runAppServer(JSON.parse(self.settings) as AppServerSettings).catch((error: unknown) => {
    console.error('[app-server] cannot start', error);
    process.exit(1);
  });
} else if (self.role === 'devices' && self.settings) {
  runDevices(JSON.parse(self.settings) as DevicesSettings).catch((error: unknown) => {
    console.error('[devices] failed', error);
    process.exit(1);
  });
} else {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error('[loadtest] failed:', error instanceof Error ? error.message : error);
      process.exit(2);
    },
  );
}
