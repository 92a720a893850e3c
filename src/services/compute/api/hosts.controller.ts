import { Body, Controller, Get, Param, Put, Query, UseGuards } from '@nestjs/common';
import { IsBoolean, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { Policy, rules } from '../../../common/auth/policy';
import { BadRequestError, NotFoundError } from '../../../common/errors/api-error';
import { Microversion } from '../../../common/http/microversion';
import { Mv } from '../../../common/http/microversion.guard';
import { NovaMicroversion } from '../compute.microversion';
import { ComputeServiceEntity } from '../entities/compute-service.entity';
import { HostsService } from '../hosts/hosts.service';
import { novaTime } from './views/server.view';

export class UpdateServiceRequest {
  @IsOptional() @IsIn(['enabled', 'disabled']) status?: 'enabled' | 'disabled';
  @IsOptional() @IsString() @MaxLength(255) disabled_reason?: string;
  @IsOptional() @IsBoolean() forced_down?: boolean;
}

export class LegacyServiceRequest {
  @IsString() host: string;
  @IsString() binary: string;
  @IsOptional() @IsString() @MaxLength(255) disabled_reason?: string;
  @IsOptional() @IsBoolean() forced_down?: boolean;
}

@Controller('v2.1/os-services')
@UseGuards(NovaMicroversion)
export class ServicesController {
  constructor(private readonly hosts: HostsService) {}

  @Policy(rules.admin) @Get()
  async list(@Query('host') host: string | undefined, @Query('binary') binary: string | undefined, @Mv() mv: Microversion) {
    const all = await this.hosts.list();
    const services = all.filter((s) => (!host || s.host === host) && (!binary || s.binary === binary));
    return { services: services.map((s) => this.render(s, mv)) };
  }

  /** The 2.53+ form the openstack CLI uses: PUT /os-services/{uuid}. */
  @Policy(rules.admin) @Put(':id')
  async update(@Param('id') id: string, @Body() body: UpdateServiceRequest, @Mv() mv: Microversion) {
    if (!mv.atLeast('2.53')) return this.legacy(id, body as unknown as LegacyServiceRequest);
    if (body.status === undefined && body.forced_down === undefined) throw new BadRequestError('Invalid request: at least one of status or forced_down is required.');
    if (body.disabled_reason !== undefined && body.status !== 'disabled') throw new BadRequestError('Specifying a disabled_reason is only supported when the status is disabled.');
    const svc = await this.hosts.update(id, { disabled: body.status === undefined ? undefined : body.status === 'disabled', disabledReason: body.disabled_reason, forcedDown: body.forced_down });
    if (!svc) throw new NotFoundError(`Service ${id} could not be found.`);
    return { service: this.render(svc, mv) };
  }

  /** Before 2.53: PUT /os-services/{enable|disable|disable-log-reason|force-down} with host and binary. */
  private async legacy(action: string, body: LegacyServiceRequest) {
    if (!['enable', 'disable', 'disable-log-reason', 'force-down'].includes(action)) throw new NotFoundError(`Unknown action ${action}`);
    if (typeof body?.host !== 'string' || typeof body?.binary !== 'string') throw new BadRequestError('Invalid input: host and binary are required.');
    const svc = (await this.hosts.list()).find((s) => s.host === body.host && s.binary === body.binary);
    if (!svc) throw new NotFoundError(`Compute host ${body.host} could not be found.`);
    const patch = action === 'force-down' ? { forcedDown: body.forced_down === true }
      : { disabled: action !== 'enable', disabledReason: action === 'disable-log-reason' ? body.disabled_reason : undefined };
    const updated = (await this.hosts.update(svc.id, patch))!;
    const service: Record<string, unknown> = { host: updated.host, binary: updated.binary, status: updated.disabled ? 'disabled' : 'enabled' };
    if (action === 'disable-log-reason') service.disabled_reason = updated.disabledReason;
    if (action === 'force-down') service.forced_down = updated.forcedDown;
    return { service };
  }

  private render(s: ComputeServiceEntity, mv: Microversion) {
    return {
      id: mv.atLeast('2.53') ? s.id : s.seq,
      binary: s.binary,
      host: s.host,
      zone: s.zone,
      status: s.disabled ? 'disabled' : 'enabled',
      state: this.hosts.isUp(s) ? 'up' : 'down',
      updated_at: novaTime(s.lastSeenAt)?.replace('Z', '.000000'),
      disabled_reason: s.disabledReason,
      ...(mv.atLeast('2.11') ? { forced_down: s.forcedDown } : {}),
    };
  }
}

@Controller('v2.1/os-hypervisors')
@UseGuards(NovaMicroversion)
export class HypervisorsController {
  constructor(private readonly hosts: HostsService) {}

  @Policy(rules.admin) @Get()
  async list(@Mv() mv: Microversion) {
    const rows = await this.hosts.hypervisors();
    return { hypervisors: rows.map(({ service: s }) => ({ id: mv.atLeast('2.53') ? s.id : s.seq, hypervisor_hostname: s.host, state: this.hosts.isUp(s) ? 'up' : 'down', status: s.disabled ? 'disabled' : 'enabled' })) };
  }

  @Policy(rules.admin) @Get('detail')
  async detail(@Mv() mv: Microversion) {
    return { hypervisors: (await this.hosts.hypervisors()).map((h) => this.render(h, mv)) };
  }

  @Policy(rules.admin) @Get(':id')
  async show(@Param('id') id: string, @Mv() mv: Microversion) {
    const h = (await this.hosts.hypervisors()).find((x) => (mv.atLeast('2.53') ? x.service.id === id : String(x.service.seq) === id));
    if (!h) throw new NotFoundError(`Hypervisor with ID ${id} could not be found.`);
    return { hypervisor: this.render(h, mv) };
  }

  private render(h: Awaited<ReturnType<HostsService['hypervisors']>>[number], mv: Microversion) {
    const s = h.service;
    const base: Record<string, unknown> = {
      id: mv.atLeast('2.53') ? s.id : s.seq,
      hypervisor_hostname: s.host,
      hypervisor_type: s.hypervisorType,
      hypervisor_version: s.hypervisorVersion,
      host_ip: s.hostIp,
      state: this.hosts.isUp(s) ? 'up' : 'down',
      status: s.disabled ? 'disabled' : 'enabled',
      service: { host: s.host, id: mv.atLeast('2.53') ? s.id : s.seq, disabled_reason: s.disabledReason },
      'berth:kinds': s.kinds,
    };
    if (!mv.atLeast('2.88')) {
      Object.assign(base, {
        vcpus: h.capacity.VCPU, memory_mb: h.capacity.MEMORY_MB, local_gb: h.capacity.DISK_GB,
        vcpus_used: h.used.VCPU, memory_mb_used: h.used.MEMORY_MB, local_gb_used: h.used.DISK_GB,
        free_ram_mb: h.capacity.MEMORY_MB - h.used.MEMORY_MB, free_disk_gb: h.capacity.DISK_GB - h.used.DISK_GB,
        current_workload: 0, running_vms: h.runningVms, disk_available_least: h.capacity.DISK_GB - h.used.DISK_GB, cpu_info: '{}',
      });
    }
    return base;
  }
}
