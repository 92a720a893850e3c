import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { ConflictError } from '../../common/errors/api-error';
import { allowOnly, required, resourceBody, str } from './api/neutron-body';
import { PortBindingEntity } from './entities/port.entity';
import { neutronErrors } from './neutron-errors';
import { PortsApi } from './ports.api';

/**
 * Neutron's multiple port bindings (binding-extended), which cold migration uses: an INACTIVE
 * binding on the destination is made before the move and activated when the instance starts
 * there; exactly one binding of a port is ACTIVE at any time.
 */
@Injectable()
export class PortBindingsApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, private readonly ports: PortsApi) {}

  async list(portId: string, ctx: RequestContext): Promise<PortBindingEntity[]> {
    await this.ports.entity(portId, ctx);
    return this.db.getRepository(PortBindingEntity).find({ where: { portId }, order: { host: 'ASC' } });
  }

  async get(portId: string, host: string, ctx: RequestContext): Promise<PortBindingEntity> {
    await this.ports.entity(portId, ctx);
    const b = await this.db.getRepository(PortBindingEntity).findOneBy({ portId, host });
    if (!b) throw neutronErrors.bindingNotFound(portId, host);
    return b;
  }

  /** ACTIVE when the port has no binding yet, else INACTIVE until activated. */
  async create(portId: string, body: unknown, ctx: RequestContext): Promise<PortBindingEntity> {
    const b = resourceBody(body, 'binding');
    allowOnly(b, ['host', 'vnic_type', 'profile']);
    const host = String(required(b, 'host'));
    return this.db.transaction(async (tx) => {
      await this.ports.entity(portId, ctx, tx);
      await tx.query(`SELECT id FROM network.ports WHERE id = $1 FOR UPDATE`, [portId]);
      const existing = await tx.getRepository(PortBindingEntity).findBy({ portId });
      if (existing.some((e) => e.host === host)) throw new ConflictError(`Binding for port ${portId} on host ${host} already exists.`, 'PortBindingAlreadyExists');
      const status = existing.some((e) => e.status === 'ACTIVE') ? 'INACTIVE' : 'ACTIVE';
      return this.ports.bind(tx, portId, host, status, (b.profile as Record<string, unknown>) ?? {}, str(b, 'vnic_type') ?? 'normal');
    });
  }

  /** Makes `host`'s binding the active one; the previously active binding becomes INACTIVE. */
  async activate(portId: string, host: string, ctx: RequestContext): Promise<PortBindingEntity> {
    return this.db.transaction(async (tx) => {
      await this.ports.entity(portId, ctx, tx);
      await tx.query(`SELECT id FROM network.ports WHERE id = $1 FOR UPDATE`, [portId]);
      const target = await tx.getRepository(PortBindingEntity).findOneBy({ portId, host });
      if (!target) throw neutronErrors.bindingNotFound(portId, host);
      if (target.status === 'ACTIVE') throw new ConflictError(`Binding for port ${portId} on host ${host} is already active.`, 'PortBindingAlreadyActive');
      await tx.getRepository(PortBindingEntity).update({ portId, status: 'ACTIVE' }, { status: 'INACTIVE' });
      await tx.getRepository(PortBindingEntity).update({ portId, host }, { status: 'ACTIVE' });
      // Plugged again on the new host: DOWN until its agent reports it.
      await tx.query(`UPDATE network.ports SET status = 'DOWN', revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [portId]);
      return (await tx.getRepository(PortBindingEntity).findOneBy({ portId, host }))!;
    });
  }

  async delete(portId: string, host: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.ports.entity(portId, ctx, tx);
      const res = await tx.getRepository(PortBindingEntity).delete({ portId, host });
      if (!res.affected) throw neutronErrors.bindingNotFound(portId, host);
      await tx.query(`UPDATE network.ports SET revision_number = revision_number + 1, updated_at = now() WHERE id = $1`, [portId]);
    });
  }
}
