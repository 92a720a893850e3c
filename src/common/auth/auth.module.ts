import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { systemContext } from '../context/request-context';
import { MESSAGE_BUS, MessageBus } from '../messaging/message-bus';
import { RpcClient } from '../messaging/rpc-client';
import { IDENTITY_RPC, IdentityRpc } from '../../contracts/identity/identity.rpc';
import { AuthGuard } from './auth.guard';
import { TOKEN_VALIDATOR, TokenValidator } from './token-validator';

/** Token checking for every service: keys and revocations come from identity over the bus. */
@Global()
@Module({
  providers: [
    {
      provide: TOKEN_VALIDATOR,
      inject: [MESSAGE_BUS],
      useFactory: (bus: MessageBus) => {
        const identity = new RpcClient<IdentityRpc>(bus, IDENTITY_RPC);
        return new TokenValidator({
          getValidationKeys: async () => (await identity.call('getValidationKeys', {}, systemContext(), { timeoutMs: 10000 })).keys,
          listRevocations: async (afterId) => (await identity.call('listRevocations', { afterId }, systemContext(), { timeoutMs: 10000 })).events,
        });
      },
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TOKEN_VALIDATOR],
})
export class AuthModule {}
