import { messageBusContract } from '../../../test/contracts/message-bus.contract';
import { InMemoryBus } from './in-memory-bus';

messageBusContract(InMemoryBus.name, async () => new InMemoryBus());
