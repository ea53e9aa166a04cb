/** The machine a run was taken on, for the report: figures mean little without it. */
import { cpus, totalmem, platform, release } from 'node:os';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string;
  /** Null when the Firefox pass did not run (not selected, or Firefox could not start). */
  firefox: string | null;
}

export function machineInfo(chromiumVersion: string, firefoxVersion: string | null = null): MachineInfo {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    chromium: chromiumVersion,
    // puppeteer answers `firefox/153.8.0`.
    firefox: firefoxVersion?.replace(/^firefox\//, '') ?? null,
  };
}
