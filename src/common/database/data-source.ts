import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ALL_ENTITIES } from '../../services/entities';
import { ConfigService } from '../config/config.service';
import { dataSourceOptions } from './store';

/**
 * For the TypeORM CLI only (migration:generate against a scratch PostgreSQL):
 *   BERTH_DATABASE_URL=postgres://... npx typeorm -d dist/src/common/database/data-source.js migration:generate migrations/X
 */
export default new DataSource(dataSourceOptions({ url: ConfigService.load().databaseUrl }, ALL_ENTITIES, 2));
