import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { DATA_SOURCE } from '../../../common/database/database.module';
import { BadRequestError, ConflictError, NotFoundError } from '../../../common/errors/api-error';
import { AggregateEntity, AggregateHostEntity } from '../entities/aggregate.entity';
import { ComputeServiceEntity } from '../entities/compute-service.entity';
import { DEFAULT_ZONE } from '../zones/availability-zones';
import { HostStateCache } from '../scheduler/host-state';

export const AZ_KEY = 'availability_zone';

export interface Aggregate {
  entity: AggregateEntity;
  hosts: string[];
}

/** Nova's error for an aggregate action that would break a rule, always a 400. */
function invalidAction(action: string, id: number, reason: string): BadRequestError {
  return new BadRequestError(`Cannot ${action} aggregate ${id}. Reason: ${reason}.`);
}

/**
 * Host aggregates (admin). A host's availability zone is the zone of the aggregate holding it (or
 * the default zone): every change of membership or of an aggregate's zone rewrites the zone of
 * the hosts it touches in the same transaction, so the scheduler and os-availability-zone never
 * see a half-applied change.
 */
@Injectable()
export class AggregatesApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, private readonly hostStates: HostStateCache) {}

  async list(): Promise<Aggregate[]> {
    const aggregates = await this.db.getRepository(AggregateEntity).find({ order: { id: 'ASC' } });
    const hosts = await this.db.getRepository(AggregateHostEntity).find({ order: { host: 'ASC' } });
    return aggregates.map((entity) => ({ entity, hosts: hosts.filter((h) => h.aggregateId === entity.id).map((h) => h.host) }));
  }

  async get(id: string): Promise<Aggregate> {
    return this.load(this.db.manager, parseId(id));
  }

  async create(name: string, zone: string | null | undefined): Promise<Aggregate> {
    return this.db.transaction(async (tx) => {
      await this.checkName(tx, name);
      if (zone) checkZoneName(zone);
      const entity = tx.getRepository(AggregateEntity).create({ uuid: randomUUID(), name, metadata: zone ? { [AZ_KEY]: zone } : {} });
      try {
        await tx.getRepository(AggregateEntity).insert(entity);
      } catch (err) {
        throw isUniqueViolation(err) ? new ConflictError(`Aggregate ${name} already exists.`) : err;
      }
      return this.load(tx, entity.id);
    });
  }

  async update(id: string, patch: { name?: string; zone?: string | null }): Promise<Aggregate> {
    return this.rezoning(async (tx) => {
      const agg = await this.load(tx, parseId(id), true);
      if (patch.name !== undefined && patch.name !== agg.entity.name) await this.checkName(tx, patch.name);
      const metadata = { ...agg.entity.metadata };
      if (patch.zone !== undefined) {
        if (patch.zone === null) delete metadata[AZ_KEY];
        else metadata[AZ_KEY] = patch.zone;
      }
      await this.save(tx, agg, { name: patch.name ?? agg.entity.name, metadata }, 'update');
      return this.load(tx, agg.entity.id);
    });
  }

  async delete(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const agg = await this.load(tx, parseId(id), true);
      if (agg.hosts.length > 0) throw invalidAction('delete', agg.entity.id, 'Host aggregate is not empty');
      await tx.getRepository(AggregateEntity).delete({ id: agg.entity.id });
    });
  }

  async addHost(id: string, host: string): Promise<Aggregate> {
    return this.rezoning(async (tx) => {
      const agg = await this.load(tx, parseId(id), true);
      if (!(await tx.getRepository(ComputeServiceEntity).existsBy({ host }))) throw new NotFoundError(`Compute host ${host} could not be found.`);
      if (agg.hosts.includes(host)) throw new ConflictError(`Aggregate ${agg.entity.id} already has host ${host}.`);
      const zone = agg.entity.metadata[AZ_KEY];
      if (zone) {
        const others = await this.zonesOf(tx, host, agg.entity.id);
        if (others.some((z) => z !== zone)) {
          throw invalidAction('add host to', agg.entity.id, `One or more hosts already in availability zone(s) [${others.map((z) => `'${z}'`).join(', ')}]`);
        }
        if (others.length === 0) await this.refuseMoveWithInstances(tx, [host], 'add host to', agg.entity.id);
      }
      await tx.getRepository(AggregateHostEntity).insert({ aggregateId: agg.entity.id, host });
      await this.rezone(tx, [host]);
      return this.load(tx, agg.entity.id);
    });
  }

  async removeHost(id: string, host: string): Promise<Aggregate> {
    return this.rezoning(async (tx) => {
      const agg = await this.load(tx, parseId(id), true);
      if (!agg.hosts.includes(host)) throw new NotFoundError(`Aggregate ${agg.entity.id} has no host ${host}.`);
      if (agg.entity.metadata[AZ_KEY] && (await this.zonesOf(tx, host, agg.entity.id)).length === 0) {
        await this.refuseMoveWithInstances(tx, [host], 'remove host from', agg.entity.id);
      }
      await tx.getRepository(AggregateHostEntity).delete({ aggregateId: agg.entity.id, host });
      await this.rezone(tx, [host]);
      return this.load(tx, agg.entity.id);
    });
  }

  /** Nova's set_metadata: a null value removes the key; `availability_zone` moves the hosts. */
  async setMetadata(id: string, changes: Record<string, string | null>): Promise<Aggregate> {
    return this.rezoning(async (tx) => {
      const agg = await this.load(tx, parseId(id), true);
      const metadata = { ...agg.entity.metadata };
      for (const [key, value] of Object.entries(changes)) {
        if (value === null) delete metadata[key];
        else metadata[key] = value;
      }
      await this.save(tx, agg, { name: agg.entity.name, metadata }, 'update');
      return this.load(tx, agg.entity.id);
    });
  }

  /** A transaction that may move hosts between zones; once committed, the scheduler reads hosts again. */
  private async rezoning<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const out = await this.db.transaction(work);
    this.hostStates.invalidate();
    return out;
  }

  /** Writes name/metadata; a zone change is checked against the hosts' other aggregates and instances. */
  private async save(tx: EntityManager, agg: Aggregate, next: { name: string; metadata: Record<string, string> }, action: string): Promise<void> {
    const before = agg.entity.metadata[AZ_KEY];
    const after = next.metadata[AZ_KEY];
    if (before !== after && agg.hosts.length > 0) {
      if (after) {
        checkZoneName(after);
        for (const host of agg.hosts) {
          const others = await this.zonesOf(tx, host, agg.entity.id);
          if (others.some((z) => z !== after)) {
            throw invalidAction(action, agg.entity.id, `One or more hosts already in availability zone(s) [${others.map((z) => `'${z}'`).join(', ')}]`);
          }
        }
      }
      await this.refuseMoveWithInstances(tx, agg.hosts, action, agg.entity.id);
    } else if (after && before !== after) {
      checkZoneName(after);
    }
    try {
      await tx.getRepository(AggregateEntity).update({ id: agg.entity.id }, { name: next.name, metadata: next.metadata });
    } catch (err) {
      throw isUniqueViolation(err) ? new ConflictError(`Aggregate ${next.name} already exists.`) : err;
    }
    await this.rezone(tx, agg.hosts);
  }

  private async load(tx: EntityManager, id: number, lock = false): Promise<Aggregate> {
    const entity = await tx.getRepository(AggregateEntity).findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!entity) throw new NotFoundError(`Aggregate ${id} could not be found.`);
    const hosts = await tx.getRepository(AggregateHostEntity).find({ where: { aggregateId: id }, order: { host: 'ASC' } });
    return { entity, hosts: hosts.map((h) => h.host) };
  }

  private async checkName(tx: EntityManager, name: string): Promise<void> {
    if (await tx.getRepository(AggregateEntity).existsBy({ name })) throw new ConflictError(`Aggregate ${name} already exists.`);
  }

  /** Zones of the other aggregates holding `host`. */
  private async zonesOf(tx: EntityManager, host: string, exceptId: number): Promise<string[]> {
    const rows: { zone: string }[] = await tx.query(
      `SELECT DISTINCT a.metadata->>'${AZ_KEY}' AS zone FROM compute.aggregates a JOIN compute.aggregate_hosts h ON h.aggregate_id = a.id
       WHERE h.host = $1 AND a.id <> $2 AND a.metadata ? '${AZ_KEY}'`,
      [host, exceptId],
    );
    return rows.map((r) => r.zone);
  }

  /** Instances cannot change zone under a user's feet (Nova refuses the same). */
  private async refuseMoveWithInstances(tx: EntityManager, hosts: string[], action: string, id: number): Promise<void> {
    const rows: { host: string }[] = await tx.query(
      `SELECT DISTINCT host FROM compute.instances WHERE host = ANY($1) AND deleted_at IS NULL`, [hosts],
    );
    if (rows.length > 0) {
      throw invalidAction(action, id, `Host ${rows.map((r) => r.host).join(', ')} has instances; their availability zone cannot change`);
    }
  }

  /** Sets each host's zone from its aggregates. */
  private async rezone(tx: EntityManager, hosts: string[]): Promise<void> {
    if (hosts.length === 0) return;
    await tx.query(
      `UPDATE compute.compute_services s SET zone = coalesce((
         SELECT min(a.metadata->>'${AZ_KEY}') FROM compute.aggregates a JOIN compute.aggregate_hosts h ON h.aggregate_id = a.id
         WHERE h.host = s.host AND a.metadata ? '${AZ_KEY}'), $2)
       WHERE s.host = ANY($1)`,
      [hosts, DEFAULT_ZONE],
    );
  }
}

/** `zone:host` is how an admin names a host at boot, so a zone name cannot hold ':' (Nova's az_name). */
function checkZoneName(zone: string): void {
  if (zone.includes(':') || zone.trim() === '' || zone.length > 255) {
    throw new BadRequestError(`Invalid input for field/attribute availability_zone. Value: ${zone}. An availability zone is 1 to 255 characters without ':'.`);
  }
}

function parseId(id: string): number {
  if (!/^\d{1,9}$/.test(id)) throw new BadRequestError(`Invalid aggregate id: ${id}`);
  return Number(id);
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err as unknown as { code?: string }).code === '23505';
}
