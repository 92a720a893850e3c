import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MESSAGE_BUS, MessageBus, Subscription } from '../../common/messaging/message-bus';
import { serveContract } from '../../common/messaging/rpc-server';
import { RpcHandlers } from '../../contracts/rpc';
import { IDENTITY_RPC, IdentityRpc } from '../../contracts/identity/identity.rpc';
import { RevocationService } from './revocation.service';
import { SigningKeysService } from './signing-keys.service';

/** RPC handlers of the `identity` topic. */
@Injectable()
export class IdentityManager implements RpcHandlers<IdentityRpc>, OnApplicationBootstrap, OnApplicationShutdown {
  private subscription?: Subscription;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly keys: SigningKeysService,
    private readonly revocations: RevocationService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await serveContract(this.bus, IDENTITY_RPC, this, { prefetch: 64 });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close().catch(() => undefined);
  }

  async getValidationKeys() {
    return { keys: await this.keys.validationKeys() };
  }

  async listRevocations(params: { afterId: string }) {
    return { events: await this.revocations.listAfter(params.afterId) };
  }
}
