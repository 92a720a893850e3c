import { InstanceStats, ProcessList } from '../../../contracts/agent/instance-ops.types';

const MIB = 1024 * 1024;

/** Zun's top body: Docker's, as the engine answered it. */
export function renderProcesses(p: ProcessList) {
  return { Processes: p.processes, Titles: p.titles };
}

/**
 * Zun's stats body (zun/container/docker/driver.py, printed as is by zunclient): memory in MiB as
 * numbers, block and network I/O as "read/write" and "received/sent" byte counts.
 */
export function renderStats(containerName: string, s: InstanceStats) {
  const usage = s.memoryUsageBytes / MIB;
  const limit = s.memoryLimitBytes / MIB;
  return {
    CONTAINER: containerName,
    'CPU %': s.cpuPercent,
    'MEM USAGE(MiB)': usage,
    'MEM LIMIT(MiB)': limit,
    'MEM %': limit > 0 ? (usage / limit) * 100 : 0,
    'BLOCK I/O(B)': `${s.blockReadBytes}/${s.blockWriteBytes}`,
    'NET I/O(B)': `${s.netRxBytes}/${s.netTxBytes}`,
  };
}
