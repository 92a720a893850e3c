import { DynamicModule, Global, Module } from '@nestjs/common';
import { MESSAGE_BUS, MessageBus } from './message-bus';

/** Provides the process's connected bus (AMQP or in-process). */
@Global()
@Module({})
export class MessagingModule {
  static forBus(bus: MessageBus): DynamicModule {
    return {
      module: MessagingModule,
      providers: [{ provide: MESSAGE_BUS, useValue: bus }],
      exports: [MESSAGE_BUS],
    };
  }
}
