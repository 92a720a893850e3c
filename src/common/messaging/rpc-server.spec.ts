import { IsInt, IsString } from 'class-validator';
import { systemContext } from '../context/request-context';
import { BadRequestError, NotFoundError } from '../errors/api-error';
import { Call, RpcContract } from '../../contracts/rpc';
import { InMemoryBus } from './in-memory-bus';
import { RpcClient } from './rpc-client';
import { serveContract } from './rpc-server';

class EchoParams {
  @IsString() text: string;
  @IsInt() times: number;
}

class PingParams {}

interface EchoRpc {
  echo: Call<{ text: string; times: number }, { out: string }>;
  ping: Call<Record<string, never>, { pong: true }>;
}

const CONTRACT: RpcContract<EchoRpc> = { topic: 'echo-test', version: '2.3', methods: { echo: EchoParams, ping: PingParams } };

describe(serveContract.name, () => {
  let bus: InMemoryBus;

  beforeEach(async () => {
    bus = new InMemoryBus(2000);
    await serveContract(bus, CONTRACT, { echo: async (p) => ({ out: p.text.repeat(p.times) }), ping: async () => ({ pong: true as const }) });
  });
  afterEach(() => bus.close());

  it('runs a handler with params that satisfy the contract', async () => {
    const client = new RpcClient<EchoRpc>(bus, CONTRACT);
    await expect(client.call('echo', { text: 'ab', times: 2 }, systemContext())).resolves.toEqual({ out: 'abab' });
    await expect(client.call('ping', {}, systemContext())).resolves.toEqual({ pong: true });
    await expect(bus.call('echo-test', 'ping', { stray: 1 }, systemContext(), '2.3')).rejects.toThrow(/'stray'/);
  });

  it('refuses params that break the contract, naming the field', async () => {
    await expect(bus.call('echo-test', 'echo', { text: 'ab', times: 'two' }, systemContext(), '2.3')).rejects.toThrow(/invalid params field 'times'/);
    await expect(bus.call('echo-test', 'echo', { text: 'ab', times: 1, extra: 1 }, systemContext(), '2.3')).rejects.toThrow(/'extra'/);
    await expect(bus.call('echo-test', 'echo', null, systemContext(), '2.3')).rejects.toBeInstanceOf(BadRequestError);
  });

  it('refuses unknown methods and another major version', async () => {
    await expect(bus.call('echo-test', 'toString', {}, systemContext(), '2.3')).rejects.toBeInstanceOf(NotFoundError);
    await expect(bus.call('echo-test', 'echo', { text: 'a', times: 1 }, systemContext(), '3.0')).rejects.toThrow(/not compatible/);
    await expect(bus.call('echo-test', 'echo', { text: 'a', times: 1 }, systemContext(), '2.9')).resolves.toEqual({ out: 'a' });
  });
});
