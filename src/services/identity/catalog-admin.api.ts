import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { BadRequestError, ConflictError, NotFoundError } from '../../common/errors/api-error';
import { CatalogService } from './catalog.service';
import { EndpointCreateDto, EndpointUpdateDto, RegionCreateDto, ServiceCreateDto, ServiceUpdateDto } from './api/dto/identity.dto';
import { EndpointEntity, RegionEntity, ServiceEntity } from './entities/catalog.entity';
import { newKeystoneId } from './ids';

/** Services, endpoints and regions: the catalog as admins edit it. */
@Injectable()
export class CatalogAdminApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, private readonly catalog: CatalogService) {}

  private get services() { return this.db.getRepository(ServiceEntity); }
  private get endpoints() { return this.db.getRepository(EndpointEntity); }
  private get regions() { return this.db.getRepository(RegionEntity); }

  async getService(id: string): Promise<ServiceEntity> {
    const s = await this.services.findOneBy({ id });
    if (!s) throw new NotFoundError(`Could not find service: ${id}.`);
    return s;
  }

  listServices(filter: { type?: string; name?: string }): Promise<ServiceEntity[]> {
    return this.services.find({ where: { ...(filter.type ? { type: filter.type } : {}), ...(filter.name ? { name: filter.name } : {}) }, order: { type: 'ASC' } });
  }

  async createService(dto: ServiceCreateDto): Promise<ServiceEntity> {
    const saved = await this.services.save(this.services.create({
      id: newKeystoneId(), type: dto.type, name: dto.name ?? dto.type, description: dto.description ?? '', enabled: dto.enabled ?? true,
    }));
    this.catalog.invalidate();
    return saved;
  }

  async updateService(id: string, dto: ServiceUpdateDto): Promise<ServiceEntity> {
    const s = await this.getService(id);
    if (dto.type !== undefined) s.type = dto.type;
    if (dto.name !== undefined) s.name = dto.name;
    if (dto.description !== undefined) s.description = dto.description ?? '';
    if (dto.enabled !== undefined) s.enabled = dto.enabled;
    const saved = await this.services.save(s);
    this.catalog.invalidate();
    return saved;
  }

  async deleteService(id: string): Promise<void> {
    await this.getService(id);
    await this.services.delete({ id });
    this.catalog.invalidate();
  }

  async getEndpoint(id: string): Promise<EndpointEntity> {
    const e = await this.endpoints.findOneBy({ id });
    if (!e) throw new NotFoundError(`Could not find endpoint: ${id}.`);
    return e;
  }

  listEndpoints(filter: { service_id?: string; interface?: string; region_id?: string }): Promise<EndpointEntity[]> {
    return this.endpoints.find({
      where: {
        ...(filter.service_id ? { serviceId: filter.service_id } : {}),
        ...(filter.interface ? { interface: filter.interface as EndpointEntity['interface'] } : {}),
        ...(filter.region_id ? { regionId: filter.region_id } : {}),
      },
    });
  }

  async createEndpoint(dto: EndpointCreateDto): Promise<EndpointEntity> {
    if (!(await this.services.existsBy({ id: dto.service_id }))) throw new BadRequestError(`Could not find service: ${dto.service_id}.`);
    const regionId = dto.region_id ?? dto.region ?? null;
    if (regionId && !(await this.regions.existsBy({ id: regionId }))) throw new BadRequestError(`Could not find region: ${regionId}.`);
    const saved = await this.endpoints.save(this.endpoints.create({
      id: newKeystoneId(), serviceId: dto.service_id, interface: dto.interface, url: dto.url, regionId, enabled: dto.enabled ?? true,
    }));
    this.catalog.invalidate();
    return saved;
  }

  async updateEndpoint(id: string, dto: EndpointUpdateDto): Promise<EndpointEntity> {
    const e = await this.getEndpoint(id);
    if (dto.service_id !== undefined) {
      if (!(await this.services.existsBy({ id: dto.service_id }))) throw new BadRequestError(`Could not find service: ${dto.service_id}.`);
      e.serviceId = dto.service_id;
    }
    if (dto.interface !== undefined) e.interface = dto.interface;
    if (dto.url !== undefined) e.url = dto.url;
    if (dto.region_id !== undefined) e.regionId = dto.region_id;
    if (dto.enabled !== undefined) e.enabled = dto.enabled;
    const saved = await this.endpoints.save(e);
    this.catalog.invalidate();
    return saved;
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.getEndpoint(id);
    await this.endpoints.delete({ id });
    this.catalog.invalidate();
  }

  listRegions(): Promise<RegionEntity[]> {
    return this.regions.find({ order: { id: 'ASC' } });
  }

  async getRegion(id: string): Promise<RegionEntity> {
    const r = await this.regions.findOneBy({ id });
    if (!r) throw new NotFoundError(`Could not find region: ${id}.`);
    return r;
  }

  async createRegion(dto: RegionCreateDto): Promise<RegionEntity> {
    const id = dto.id ?? newKeystoneId();
    if (await this.regions.existsBy({ id })) throw new ConflictError(`Conflict occurred attempting to store region - Duplicate ID, ${id}.`);
    return this.regions.save(this.regions.create({ id, description: dto.description ?? '', parentRegionId: dto.parent_region_id ?? null }));
  }

  async deleteRegion(id: string): Promise<void> {
    await this.getRegion(id);
    if (await this.endpoints.existsBy({ regionId: id })) throw new ConflictError(`Region ${id} still has endpoints.`);
    await this.regions.delete({ id });
  }
}
