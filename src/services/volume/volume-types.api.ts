import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { DATA_SOURCE } from '../../common/database/database.module';
import { RequestContext } from '../../common/context/request-context';
import { bool, invalidField, Json, onlyKeys, pyRepr, required, specs, str, UUID, wrapped } from './api/cinder-body';
import { CinderPage, page, Query, one } from './api/cinder-query';
import { cinderErrors } from './cinder-errors';
import { QosSpecsEntity, VolumeTypeEntity } from './entities/volume-type.entity';
import { VolumeQuotasService } from './quotas/volume-quotas.service';
import { DEFAULT_TYPE_NAME } from './volume.settings';

/** Extra specs every caller sees; the others are for admins (Cinder's USER_VISIBLE_EXTRA_SPECS). */
export const USER_VISIBLE_EXTRA_SPECS = ['RESKEY:availability_zones', 'multiattach', 'replication_enabled'];

/** `<is> True` (the scheduler's boolean syntax) or a plain true. */
export function specIsTrue(value: string | undefined): boolean {
  return value !== undefined && /^(<is>\s*)?true$/i.test(value.trim());
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** Volume types and their extra specs, and QoS specs (Cinder's types_manage, types_extra_specs, qos_specs_manage). */
@Injectable()
export class VolumeTypesApi {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource, private readonly quotas: VolumeQuotasService) {}

  /** Admins see private types, and may filter on is_public (`None`: both); others see public ones only. */
  async list(q: Query, p: CinderPage, ctx: RequestContext): Promise<{ items: VolumeTypeEntity[]; more: boolean }> {
    let isPublic: boolean | null = true;
    const asked = one(q, 'is_public');
    if (ctx.isAdmin && asked !== undefined) {
      if (asked.toLowerCase() === 'none') isPublic = null;
      else if (['true', '1', 'yes', 'on', 't', 'y'].includes(asked.toLowerCase())) isPublic = true;
      else if (['false', '0', 'no', 'off', 'f', 'n'].includes(asked.toLowerCase())) isPublic = false;
      else throw cinderErrors.badRequest(`Invalid is_public filter [${asked}]`);
    }
    const rows = await this.db.getRepository(VolumeTypeEntity).find(isPublic === null ? {} : { where: { isPublic } });
    return page(rows, p, (t, key) => (key === 'name' ? t.name : key === 'updated_at' ? t.updatedAt : t.createdAt), (m) => cinderErrors.typeNotFound(m));
  }

  /** By id; a private type is absent for non-admins (no type-access lists yet). */
  async get(id: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<VolumeTypeEntity> {
    const t = UUID.test(id) ? await manager.getRepository(VolumeTypeEntity).findOneBy({ id }) : null;
    if (!t || (!t.isPublic && !ctx.isAdmin)) throw cinderErrors.typeNotFound(id);
    return t;
  }

  /** By id, else by name (a volume create's `volume_type`). */
  async getByNameOrId(ref: string, ctx: RequestContext, manager: EntityManager = this.db.manager): Promise<VolumeTypeEntity> {
    const repo = manager.getRepository(VolumeTypeEntity);
    const t = (UUID.test(ref) ? await repo.findOneBy({ id: ref }) : null) ?? (await repo.findOneBy({ name: ref }));
    if (!t || (!t.isPublic && !ctx.isAdmin)) throw UUID.test(ref) ? cinderErrors.typeNotFound(ref) : cinderErrors.typeNotFoundByName(ref);
    return t;
  }

  async getDefault(manager: EntityManager = this.db.manager): Promise<VolumeTypeEntity> {
    const t = await manager.getRepository(VolumeTypeEntity).findOneBy({ name: DEFAULT_TYPE_NAME });
    if (!t) throw cinderErrors.defaultTypeNotFound();
    return t;
  }

  async byIds(ids: string[]): Promise<Map<string, VolumeTypeEntity>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const rows = await this.db.getRepository(VolumeTypeEntity).createQueryBuilder('t').where('t.id IN (:...ids)', { ids: unique }).getMany();
    return new Map(rows.map((t) => [t.id, t]));
  }

  async create(body: unknown): Promise<VolumeTypeEntity> {
    const b = wrapped(body, 'volume_type');
    onlyKeys(b, ['name', 'description', 'extra_specs', 'os-volume-type-access:is_public']);
    required(b, 'name');
    const name = str(b, 'name', { min: 1, nullable: false })!;
    if (!name.trim()) throw cinderErrors.badRequest('Volume type name can not be empty.');
    const t = this.db.getRepository(VolumeTypeEntity).create({
      id: randomUUID(), name, description: str(b, 'description') ?? null,
      isPublic: bool(b, 'os-volume-type-access:is_public') ?? true,
      extraSpecs: b.extra_specs === undefined || b.extra_specs === null ? {} : specs(b.extra_specs, 'extra_specs', { nullValues: true, spaces: false }),
      qosSpecsId: null,
    });
    try {
      await this.db.getRepository(VolumeTypeEntity).insert(t);
    } catch (err) {
      if (isUniqueViolation(err)) throw cinderErrors.typeExists(name);
      throw err;
    }
    return (await this.db.getRepository(VolumeTypeEntity).findOneBy({ id: t.id }))!;
  }

  async update(id: string, body: unknown, ctx: RequestContext): Promise<VolumeTypeEntity> {
    const b = wrapped(body, 'volume_type');
    onlyKeys(b, ['name', 'description', 'is_public']);
    const name = str(b, 'name', { min: 1 });
    const description = str(b, 'description');
    const isPublic = bool(b, 'is_public');
    if (typeof name === 'string' && !name.trim()) throw cinderErrors.badRequest('Volume type name can not be empty.');
    if ((name ?? null) === null && description === undefined && isPublic === undefined) {
      throw cinderErrors.badRequest('Specify volume type name, description, is_public or a combination thereof.');
    }
    return this.db.transaction(async (tx) => {
      const t = await this.get(id, ctx, tx);
      const patch: Partial<VolumeTypeEntity> = {};
      if (name) patch.name = name;
      if (description !== undefined) patch.description = description;
      if (isPublic !== undefined) patch.isPublic = isPublic;
      try {
        await tx.getRepository(VolumeTypeEntity).update({ id: t.id }, patch);
      } catch (err) {
        if (isUniqueViolation(err)) throw cinderErrors.typeExists(name!);
        throw err;
      }
      if (name && name !== t.name) await this.quotas.renameType(tx, t.name, name);
      return (await tx.getRepository(VolumeTypeEntity).findOneBy({ id: t.id }))!;
    });
  }

  async delete(id: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const t = await this.get(id, ctx, tx);
      if (t.name === DEFAULT_TYPE_NAME) throw cinderErrors.badRequest(`The volume type ${t.id} is a default volume type and cannot be deleted.`);
      await tx.query('SELECT id FROM volume.volume_types WHERE id = $1 FOR UPDATE', [t.id]);
      if (await this.inUse(tx, t.id)) throw cinderErrors.badRequest('Target volume type is still in use.');
      await tx.getRepository(VolumeTypeEntity).delete({ id: t.id });
      await this.quotas.dropType(tx, t.name);
    });
  }

  /**
   * Sets extra specs (POST `{"extra_specs": {...}}` or PUT `{"<key>": "<value>"}`). Refused while
   * volumes use the type (Cinder: their back end was chosen by the old specs). Takes the type's
   * row lock, which a volume create holds (shared) while it picks the type.
   */
  async setExtraSpecs(typeId: string, values: Record<string, string>, ctx: RequestContext): Promise<Record<string, string>> {
    return this.db.transaction(async (tx) => {
      const t = await this.lockForSpecs(tx, typeId, ctx);
      const multiattach = values.multiattach ?? t.extraSpecs.multiattach;
      const cacheable = values.cacheable ?? t.extraSpecs.cacheable;
      if (specIsTrue(multiattach) && specIsTrue(cacheable)) throw cinderErrors.badRequest('cacheable cannot be set with multiattach.');
      await tx.query(`UPDATE volume.volume_types SET extra_specs = extra_specs || $2::jsonb, updated_at = now() WHERE id = $1`, [t.id, JSON.stringify(values)]);
      return values;
    });
  }

  async deleteExtraSpec(typeId: string, key: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const t = await this.lockForSpecs(tx, typeId, ctx);
      if (!(key in t.extraSpecs)) throw cinderErrors.extraSpecNotFound(typeId, key);
      await tx.query(`UPDATE volume.volume_types SET extra_specs = extra_specs - $2, updated_at = now() WHERE id = $1`, [t.id, key]);
    });
  }

  private async lockForSpecs(tx: EntityManager, typeId: string, ctx: RequestContext): Promise<VolumeTypeEntity> {
    const t = await this.get(typeId, ctx, tx);
    await tx.query('SELECT id FROM volume.volume_types WHERE id = $1 FOR UPDATE', [t.id]);
    if (await this.inUse(tx, t.id)) throw cinderErrors.badRequest('Volume Type is currently in use.');
    return (await tx.getRepository(VolumeTypeEntity).findOneBy({ id: t.id }))!;
  }

  private async inUse(tx: EntityManager, typeId: string): Promise<boolean> {
    const rows = await tx.query(
      `SELECT 1 FROM volume.volumes WHERE volume_type_id = $1 UNION ALL SELECT 1 FROM volume.snapshots WHERE volume_type_id = $1 LIMIT 1`, [typeId]);
    return rows.length > 0;
  }

  // QoS specs

  async listQos(p: CinderPage): Promise<{ items: QosSpecsEntity[]; more: boolean }> {
    const rows = await this.db.getRepository(QosSpecsEntity).find();
    return page(rows, p, (s, key) => (key === 'name' ? s.name : key === 'updated_at' ? s.updatedAt : s.createdAt), (m) => cinderErrors.qosNotFound(m));
  }

  async getQos(id: string, manager: EntityManager = this.db.manager): Promise<QosSpecsEntity> {
    const s = UUID.test(id) ? await manager.getRepository(QosSpecsEntity).findOneBy({ id }) : null;
    if (!s) throw cinderErrors.qosNotFound(id);
    return s;
  }

  async createQos(body: unknown): Promise<QosSpecsEntity> {
    const b = wrapped(body, 'qos_specs');
    required(b, 'name');
    const name = str(b, 'name', { min: 1, nullable: false, trim: true })!;
    const all = qosValues(Object.fromEntries(Object.entries(b).filter(([k]) => k !== 'name')));
    const consumer = all.consumer ?? 'back-end';
    delete all.consumer;
    const s = this.db.getRepository(QosSpecsEntity).create({ id: randomUUID(), name, consumer: checkConsumer(consumer), specs: all });
    try {
      await this.db.getRepository(QosSpecsEntity).insert(s);
    } catch (err) {
      if (isUniqueViolation(err)) throw cinderErrors.qosExists(name);
      throw err;
    }
    return (await this.db.getRepository(QosSpecsEntity).findOneBy({ id: s.id }))!;
  }

  /** PUT: sets keys (`consumer` included); returns what was set, as Cinder echoes the body. */
  async setQos(id: string, body: unknown): Promise<Record<string, string>> {
    const b = wrapped(body, 'qos_specs');
    const values = qosValues(b);
    await this.db.transaction(async (tx) => {
      const s = await this.getQos(id, tx);
      const { consumer, ...rest } = values;
      await tx.getRepository(QosSpecsEntity).update({ id: s.id }, {
        consumer: consumer === undefined ? s.consumer : checkConsumer(consumer), specs: { ...s.specs, ...rest },
      });
    });
    return values;
  }

  async deleteQosKeys(id: string, body: unknown): Promise<void> {
    if (typeof body !== 'object' || body === null || (body as Json).keys === undefined) throw cinderErrors.badRequest("'keys' is a required property");
    const keys = (body as Json).keys;
    if (!Array.isArray(keys)) throw invalidField('keys', keys, `${pyRepr(keys)} is not of type 'array'`);
    const bad = keys.find((k) => typeof k !== 'string' || k.length < 1 || k.length > 255);
    if (bad !== undefined) throw invalidField('keys', keys, `${pyRepr(bad)} is not a string of 1 to 255 characters`);
    await this.db.transaction(async (tx) => {
      const s = await this.getQos(id, tx);
      const specsLeft = { ...s.specs };
      for (const k of keys as string[]) {
        if (!(k in specsLeft)) throw cinderErrors.qosKeyNotFound(s.id, k);
        delete specsLeft[k];
      }
      await tx.getRepository(QosSpecsEntity).update({ id: s.id }, { specs: specsLeft });
    });
  }

  /** Unless `force`, specs still associated with a type stay (Cinder: "Qos specs still in use."). */
  async deleteQos(id: string, force: boolean): Promise<void> {
    await this.db.transaction(async (tx) => {
      const s = await this.getQos(id, tx);
      const used = await tx.query('SELECT 1 FROM volume.volume_types WHERE qos_specs_id = $1 LIMIT 1', [s.id]);
      if (used.length && !force) throw cinderErrors.badRequest('Qos specs still in use.');
      await tx.query('UPDATE volume.volume_types SET qos_specs_id = NULL WHERE qos_specs_id = $1', [s.id]);
      await tx.getRepository(QosSpecsEntity).delete({ id: s.id });
    });
  }

  async associations(id: string): Promise<{ association_type: string; name: string; id: string }[]> {
    const s = await this.getQos(id);
    const types = await this.db.getRepository(VolumeTypeEntity).find({ where: { qosSpecsId: s.id }, order: { name: 'ASC' } });
    return types.map((t) => ({ association_type: 'volume_type', name: t.name, id: t.id }));
  }

  async associate(id: string, typeId: string | undefined, ctx: RequestContext): Promise<void> {
    if (!typeId) throw cinderErrors.badRequest('Volume Type id must not be None.');
    await this.db.transaction(async (tx) => {
      const s = await this.getQos(id, tx);
      const t = await this.get(typeId, ctx, tx);
      if (t.qosSpecsId && t.qosSpecsId !== s.id) {
        throw cinderErrors.invalidVolumeType(`Type ${t.id} is already associated with another qos specs: ${t.qosSpecsId}`);
      }
      await tx.getRepository(VolumeTypeEntity).update({ id: t.id }, { qosSpecsId: s.id });
    });
  }

  async disassociate(id: string, typeId: string | undefined, ctx: RequestContext): Promise<void> {
    if (!typeId) throw cinderErrors.badRequest('Volume Type id must not be None.');
    await this.db.transaction(async (tx) => {
      const s = await this.getQos(id, tx);
      const t = await this.get(typeId, ctx, tx);
      if (t.qosSpecsId === s.id) await tx.getRepository(VolumeTypeEntity).update({ id: t.id }, { qosSpecsId: null });
    });
  }

  async disassociateAll(id: string): Promise<void> {
    const s = await this.getQos(id);
    await this.db.query('UPDATE volume.volume_types SET qos_specs_id = NULL WHERE qos_specs_id = $1', [s.id]);
  }
}

/** The limits berth applies (blkio throttling on the host) must be counts: a non-negative integer each. */
const THROTTLES = [
  'read_iops_sec', 'write_iops_sec', 'total_iops_sec', 'read_bytes_sec', 'write_bytes_sec', 'total_bytes_sec',
];

function qosValues(b: Json): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(b)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw cinderErrors.invalidQosSpecs(`${k} must be a string or a number`);
    const value = String(v);
    if (value.length > 255) throw cinderErrors.invalidQosSpecs(`${k} is longer than 255 characters`);
    if (THROTTLES.includes(k) && !/^\d+$/.test(value.trim())) throw cinderErrors.invalidQosSpecs(`${k} must be a non-negative integer, got ${value}`);
    out[k] = value.trim();
  }
  return out;
}

function checkConsumer(consumer: string): string {
  if (!['front-end', 'back-end', 'both'].includes(consumer)) throw cinderErrors.invalidQosSpecs(`consumer must be one of front-end, back-end, both (got ${consumer})`);
  return consumer;
}
