import { DynamicModule, Global, Module } from '@nestjs/common';
import { Store } from './store';

export const DATA_SOURCE = Symbol('DATA_SOURCE');
export const STORE = Symbol('STORE');

/** Provides the process's opened Store and its TypeORM DataSource. */
@Global()
@Module({})
export class DatabaseModule {
  static forStore(store: Store): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: STORE, useValue: store },
        { provide: DATA_SOURCE, useValue: store.dataSource },
      ],
      exports: [STORE, DATA_SOURCE],
    };
  }
}
