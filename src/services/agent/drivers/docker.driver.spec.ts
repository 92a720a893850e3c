import { DockerDriver, containerName, demux, dockerOptionsFor, resolveDockerHost } from './docker.driver';

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

  it('understands the usual ways to name an engine', () => {
    expect(dockerOptionsFor('unix:///run/podman/podman.sock')).toEqual({ socketPath: '/run/podman/podman.sock' });
    expect(dockerOptionsFor('/var/run/docker.sock')).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerOptionsFor('tcp://10.0.0.5:2375')).toEqual({ host: '10.0.0.5', port: '2375', protocol: 'http' });
    expect(dockerOptionsFor('https://engine.example:2376')).toEqual({ host: 'engine.example', port: '2376', protocol: 'https' });
  });

  it('uses the configured engine, or names the sockets it tried', () => {
    expect(resolveDockerHost('unix:///x.sock')).toBe('unix:///x.sock');
    expect(containerName('abc')).toBe('berth-abc');
  });
});
