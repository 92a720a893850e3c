import { DockerDriver, containerName, demux, processListOf, resolveDockerHost, statsOf } from './docker.driver';

function frame(type: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe(DockerDriver.name, () => {
  it('demultiplexes stdout and stderr frames in order, and leaves raw (TTY) output alone', () => {
    expect(demux(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')])).toString()).toBe('out\nerr\nmore');
    expect(demux(Buffer.from('plain text output')).toString()).toBe('plain text output');
    expect(demux(Buffer.alloc(0)).toString()).toBe('');
  });

  it('uses the configured engine, or names the sockets it tried', () => {
    expect(resolveDockerHost('unix:///x.sock')).toBe('unix:///x.sock');
    expect(containerName('abc')).toBe('berth-abc');
  });

  it('reads top answers in Docker\'s columns as they are, and cuts Podman\'s one-string rows into columns', () => {
    const docker = { Titles: ['UID', 'PID', 'CMD'], Processes: [['root', '1', 'sh -c sleep 1000']] };
    expect(processListOf(docker)).toEqual({ titles: docker.Titles, processes: docker.Processes });
    expect(processListOf({
      Titles: ['PID   USER     COMMAND'],
      Processes: [['1 root     sh -c trap "exit 0" TERM; while true; do sleep 1; done'], ['7 root     sleep 1']],
    })).toEqual({
      titles: ['PID', 'USER', 'COMMAND'],
      processes: [['1', 'root', 'sh -c trap "exit 0" TERM; while true; do sleep 1; done'], ['7', 'root', 'sleep 1']],
    });
    expect(processListOf({ Titles: ['PID   COMMAND'], Processes: null })).toEqual({ titles: ['PID', 'COMMAND'], processes: [] });
  });

  it('reads the engine\'s stats as Zun does: CPU time over host time, memory without inactive page cache, summed I/O', () => {
    expect(statsOf({
      cpu_stats: { cpu_usage: { total_usage: 250 }, system_cpu_usage: 1000 },
      memory_stats: { usage: 48 * 1024 * 1024, limit: 128 * 1024 * 1024, stats: { total_inactive_file: 16 * 1024 * 1024 } },
      blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 10 }, { op: 'Write', value: 4 }, { op: 'read', value: 5 }, { op: 'Total', value: 19 }] },
      networks: { eth0: { rx_bytes: 100, tx_bytes: 7 }, eth1: { rx_bytes: 1, tx_bytes: 2 } },
    })).toEqual({
      cpuPercent: 25, memoryUsageBytes: 32 * 1024 * 1024, memoryLimitBytes: 128 * 1024 * 1024,
      blockReadBytes: 15, blockWriteBytes: 4, netRxBytes: 101, netTxBytes: 9,
    });
    // cgroup v2 names the cache inactive_file; Podman may leave blkio and networks empty.
    expect(statsOf({ memory_stats: { usage: 10, limit: 100, stats: { inactive_file: 4 } }, blkio_stats: { io_service_bytes_recursive: null } }))
      .toEqual({ cpuPercent: 0, memoryUsageBytes: 6, memoryLimitBytes: 100, blockReadBytes: 0, blockWriteBytes: 0, netRxBytes: 0, netTxBytes: 0 });
  });
});
