import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { ComputeServiceEntity } from '../entities/compute-service.entity';
import { ZoneInfo, describeZones } from './availability-zones';

/** Availability zones, built from the registered compute services. */
@Injectable()
export class ZonesApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async list(detailed: boolean): Promise<ZoneInfo[]> {
    const services = await this.db.getRepository(ComputeServiceEntity).find({
      select: { host: true, binary: true, zone: true, disabled: true, forcedDown: true, lastSeenAt: true, updatedAt: true },
    });
    return describeZones(services, detailed);
  }
}
