import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SubnetEntity } from '../entities/network.entity';
import { neutronErrors } from '../neutron-errors';
import { Range, contains, formatAddress, parseAddress, parseCidr, without } from './addresses';

/** The pools of a subnet as ranges. */
export function poolRanges(subnet: Pick<SubnetEntity, 'allocationPools'>): Range[] {
  return subnet.allocationPools.map((p) => ({ first: parseAddress(p.start)!.value, last: parseAddress(p.end)!.value }));
}

const MAX_RETRIES = 5;
const CHUNKS_PER_POOL = 256;
const MIN_CHUNK = 64n;

/**
 * Address management inside the caller's transaction. Free addresses are kept as ranges
 * (`ip_availability`); taking one locks the subnet's first range row, so concurrent allocations on
 * a subnet queue for a few microseconds instead of colliding, and the primary key of
 * `ip_allocations` makes a duplicate impossible even if the ranges were wrong.
 */
@Injectable()
export class IpamService {
  /** A new subnet's free ranges: its pools, in chunks. */
  async initialise(tx: EntityManager, subnet: SubnetEntity): Promise<void> {
    await this.insertRanges(tx, subnet, poolRanges(subnet));
  }

  /** Replaces the free ranges after a pool change: the new pools minus what is allocated. */
  async rebuild(tx: EntityManager, subnet: SubnetEntity): Promise<void> {
    await tx.query(`DELETE FROM network.ip_availability WHERE subnet_id = $1`, [subnet.id]);
    const taken: { ip: string }[] = await tx.query(`SELECT host(ip_address) AS ip FROM network.ip_allocations WHERE subnet_id = $1`, [subnet.id]);
    let ranges = poolRanges(subnet);
    for (const t of taken) ranges = without(ranges, parseAddress(t.ip)!.value);
    await this.insertRanges(tx, subnet, ranges);
  }

  /**
   * Free ranges are stored in chunks (at most CHUNKS_PER_POOL per pool) so that concurrent
   * allocations on one subnet each lock a different row instead of queueing on one.
   */
  private async insertRanges(tx: EntityManager, subnet: SubnetEntity, ranges: Range[]): Promise<void> {
    const version = subnet.ipVersion as 4 | 6;
    for (const r of ranges) {
      const size = r.last - r.first + 1n;
      const step = size / BigInt(CHUNKS_PER_POOL) > MIN_CHUNK ? size / BigInt(CHUNKS_PER_POOL) + 1n : MIN_CHUNK;
      for (let first = r.first; first <= r.last; first += step) {
        const last = first + step - 1n < r.last ? first + step - 1n : r.last;
        await tx.query(`INSERT INTO network.ip_availability (subnet_id, first_ip, last_ip) VALUES ($1, $2, $3)`,
          [subnet.id, formatAddress(version, first), formatAddress(version, last)]);
      }
    }
  }

  /**
   * A free address of the subnet's pools, or undefined when they are exhausted: the first address
   * of the lowest free range no other transaction holds (SKIP LOCKED), else of the lowest one,
   * waiting for it.
   */
  async allocateAny(tx: EntityManager, subnet: SubnetEntity, portId: string): Promise<string | undefined> {
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const ip = (await this.takeFirst(tx, subnet.id, 'SKIP LOCKED')) ?? (await this.takeFirst(tx, subnet.id, ''));
      if (ip) {
        const inserted = await tx.query(
          `INSERT INTO network.ip_allocations (subnet_id, ip_address, port_id, network_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
          [subnet.id, ip, portId, subnet.networkId],
        );
        if (inserted.length > 0) return ip;
        continue;
      }
      // The range this transaction waited for was used up by the one before it; look again.
      const left = await tx.query(`SELECT 1 FROM network.ip_availability WHERE subnet_id = $1 LIMIT 1`, [subnet.id]);
      if (left.length === 0) return undefined;
    }
    return undefined;
  }

  /** Takes the first address of the lowest free range (shrinking or deleting the range). */
  private async takeFirst(tx: EntityManager, subnetId: string, wait: 'SKIP LOCKED' | ''): Promise<string | undefined> {
    const rows: { ip: string }[] = await tx.query(
      `WITH r AS (
         SELECT first_ip, last_ip FROM network.ip_availability WHERE subnet_id = $1 ORDER BY first_ip LIMIT 1 FOR UPDATE ${wait}
       ), upd AS (
         UPDATE network.ip_availability a SET first_ip = r.first_ip + 1 FROM r
         WHERE a.subnet_id = $1 AND a.first_ip = r.first_ip AND r.first_ip < r.last_ip RETURNING r.first_ip AS ip
       ), del AS (
         DELETE FROM network.ip_availability a USING r
         WHERE a.subnet_id = $1 AND a.first_ip = r.first_ip AND r.first_ip >= r.last_ip RETURNING r.first_ip AS ip
       )
       SELECT host(ip) AS ip FROM upd UNION ALL SELECT host(ip) AS ip FROM del`,
      [subnetId],
    );
    return rows[0]?.ip;
  }

  /** A specific address: inside the subnet, not its gateway, not taken. */
  async allocateExact(tx: EntityManager, subnet: SubnetEntity, address: string, portId: string): Promise<string> {
    const parsed = parseAddress(address);
    const cidr = parseCidr(subnet.cidr)!;
    if (!parsed || !contains(cidr, parsed.version, parsed.value)) throw neutronErrors.ipNotInSubnet(address);
    const canonical = formatAddress(parsed.version, parsed.value);
    if (cidr.version === 4 && cidr.prefix < 31 && (parsed.value === cidr.network || parsed.value === (cidr.network | ((1n << BigInt(32 - cidr.prefix)) - 1n)))) {
      throw neutronErrors.ipNotInSubnet(canonical);
    }
    if (subnet.gatewayIp && canonical === subnet.gatewayIp) throw neutronErrors.ipTaken(canonical, subnet.id);
    const inserted = await tx.query(
      `INSERT INTO network.ip_allocations (subnet_id, ip_address, port_id, network_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
      [subnet.id, canonical, portId, subnet.networkId],
    );
    if (inserted.length === 0) throw neutronErrors.ipTaken(canonical, subnet.id);
    const holding: { first: string; last: string }[] = await tx.query(
      `SELECT host(first_ip) AS first, host(last_ip) AS last FROM network.ip_availability
       WHERE subnet_id = $1 AND first_ip <= $2::inet AND last_ip >= $2::inet FOR UPDATE`,
      [subnet.id, canonical],
    );
    if (holding.length > 0) {
      const range = { first: parseAddress(holding[0].first)!.value, last: parseAddress(holding[0].last)!.value };
      await tx.query(`DELETE FROM network.ip_availability WHERE subnet_id = $1 AND first_ip = $2`, [subnet.id, holding[0].first]);
      for (const r of without([range], parsed.value)) {
        await tx.query(`INSERT INTO network.ip_availability (subnet_id, first_ip, last_ip) VALUES ($1, $2, $3)`,
          [subnet.id, formatAddress(parsed.version, r.first), formatAddress(parsed.version, r.last)]);
      }
    }
    return canonical;
  }

  /**
   * Gives a port's addresses back to their pools: all of them, or only `which`. An address outside
   * every pool (a fixed IP an admin chose) is simply dropped.
   */
  async release(tx: EntityManager, portId: string, subnets: Map<string, SubnetEntity>, which?: { subnetId: string; ip: string }[]): Promise<void> {
    const rows: { subnet_id: string; ip: string }[] = [];
    if (which) {
      for (const w of which) {
        rows.push(...(await tx.query(
          `DELETE FROM network.ip_allocations WHERE port_id = $1 AND subnet_id = $2 AND ip_address = $3 RETURNING subnet_id, host(ip_address) AS ip`,
          [portId, w.subnetId, w.ip],
        ))[0]);
      }
    } else {
      rows.push(...(await tx.query(`DELETE FROM network.ip_allocations WHERE port_id = $1 RETURNING subnet_id, host(ip_address) AS ip`, [portId]))[0]);
    }
    for (const r of rows) {
      const subnet = subnets.get(r.subnet_id);
      const value = parseAddress(r.ip)!.value;
      if (!subnet || !poolRanges(subnet).some((p) => value >= p.first && value <= p.last)) continue;
      await tx.query(`INSERT INTO network.ip_availability (subnet_id, first_ip, last_ip) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING`, [r.subnet_id, r.ip]);
    }
  }
}
