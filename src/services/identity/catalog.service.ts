import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { EndpointEntity, ServiceEntity } from './entities/catalog.entity';

export interface CatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: { id: string; interface: string; region_id: string | null; region: string | null; url: string }[];
}

/**
 * The service catalog as tokens carry it. Cached in memory: it changes only when an admin edits
 * services or endpoints, and every token issue needs it.
 */
@Injectable()
export class CatalogService {
  private cached?: Promise<{ service: ServiceEntity; endpoints: EndpointEntity[] }[]>;
  /** The catalog already serialised per project: GET /v3/auth/catalog is hot and the body is ~4 KB. */
  private readonly serialised = new Map<string, string>();

  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  invalidate(): void {
    this.cached = undefined;
    this.serialised.clear();
  }

  async jsonForProject(projectId: string | undefined): Promise<string> {
    const key = projectId ?? '';
    let json = this.serialised.get(key);
    if (json === undefined) {
      json = JSON.stringify(await this.forProject(projectId));
      if (this.serialised.size >= 10000) this.serialised.clear();
      this.serialised.set(key, json);
    }
    return json;
  }

  async forProject(projectId: string | undefined): Promise<CatalogEntry[]> {
    this.cached ??= this.load();
    this.cached.catch(() => (this.cached = undefined));
    const entries = await this.cached;
    return entries.map(({ service, endpoints }) => ({
      id: service.id,
      type: service.type,
      name: service.name,
      endpoints: endpoints
        .filter((e) => projectId || !e.url.includes('$(project_id)s'))
        .map((e) => ({
          id: e.id, interface: e.interface, region_id: e.regionId, region: e.regionId,
          url: projectId ? e.url.replace(/\$\(project_id\)s|\$\(tenant_id\)s/g, projectId) : e.url,
        })),
    }));
  }

  private async load(): Promise<{ service: ServiceEntity; endpoints: EndpointEntity[] }[]> {
    const services = await this.db.getRepository(ServiceEntity).find({ where: { enabled: true }, order: { type: 'ASC' } });
    const endpoints = await this.db.getRepository(EndpointEntity).find({ where: { enabled: true }, order: { interface: 'ASC' } });
    return services.map((service) => ({ service, endpoints: endpoints.filter((e) => e.serviceId === service.id) }));
  }
}
