import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsOptional, IsString, Length, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { Policy, rules } from '../../../../common/auth/policy';
import { BadRequestError } from '../../../../common/errors/api-error';
import { Microversion } from '../../../../common/http/microversion';
import { Mv } from '../../../../common/http/microversion.guard';
import { NovaMicroversion } from '../../compute.microversion';
import { novaTime } from '../../api/views/server.view';
import { AZ_KEY, Aggregate, AggregatesApi } from '../aggregates.api';

/** No leading or trailing whitespace, no control characters (Nova's valid_name_regex). */
const NAME_RE = /^(?!\s)[^\u0000-\u001f\u007f]*(?<!\s)$/;

class AggregateFields {
  @IsString() @Length(1, 255) @Matches(NAME_RE, { message: 'must not have leading or trailing whitespace nor control characters' }) name: string;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @Length(1, 255) availability_zone?: string | null;
}

class AggregateUpdateFields {
  @IsOptional() @IsString() @Length(1, 255) @Matches(NAME_RE, { message: 'must not have leading or trailing whitespace nor control characters' }) name?: string;
  @IsOptional() @ValidateIf((_o, v) => v !== null) @IsString() @Length(1, 255) availability_zone?: string | null;
}

export class CreateAggregateRequest {
  @IsDefined() @ValidateNested() @Type(() => AggregateFields) aggregate: AggregateFields;
}

export class UpdateAggregateRequest {
  @IsDefined() @ValidateNested() @Type(() => AggregateUpdateFields) aggregate: AggregateUpdateFields;
}

class HostRef {
  @IsString() @Length(1, 255) host: string;
}

class MetadataChange {
  @IsObject() metadata: Record<string, unknown>;
}

export class AggregateActionRequest {
  @IsOptional() @ValidateNested() @Type(() => HostRef) add_host?: HostRef;
  @IsOptional() @ValidateNested() @Type(() => HostRef) remove_host?: HostRef;
  @IsOptional() @ValidateNested() @Type(() => MetadataChange) set_metadata?: MetadataChange;
}

/** Metadata keys and values are 1–255 characters (Nova's metadata schema); null removes a key. */
function metadataChanges(raw: Record<string, unknown>): Record<string, string | null> {
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new BadRequestError('Invalid input for field/attribute metadata. Value: {}. {} does not have enough properties');
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 255) throw new BadRequestError(`Invalid input for field/attribute metadata. The key '${key}' must be 1 to 255 characters.`);
    if (value !== null && (typeof value !== 'string' || value.length > 255)) {
      throw new BadRequestError(`Invalid input for field/attribute ${key}. Value: ${JSON.stringify(value)}. It must be a string of at most 255 characters or null.`);
    }
  }
  return raw as Record<string, string | null>;
}

function render(a: Aggregate, mv: Microversion, full = true) {
  return {
    availability_zone: a.entity.metadata[AZ_KEY] ?? null,
    created_at: novaTime(a.entity.createdAt),
    deleted: false,
    deleted_at: null,
    ...(full ? { hosts: a.hosts, metadata: a.entity.metadata } : {}),
    id: a.entity.id,
    name: a.entity.name,
    updated_at: a.entity.updatedAt.getTime() === a.entity.createdAt.getTime() ? null : novaTime(a.entity.updatedAt),
    ...(mv.atLeast('2.41') ? { uuid: a.entity.uuid } : {}),
  };
}

/** Nova's os-aggregates (admin only). */
@Controller('v2.1/os-aggregates')
@UseGuards(NovaMicroversion)
export class AggregatesController {
  constructor(private readonly aggregates: AggregatesApi) {}

  @Policy(rules.admin) @Get()
  async list(@Mv() mv: Microversion) {
    return { aggregates: (await this.aggregates.list()).map((a) => render(a, mv)) };
  }

  /** 200 with the aggregate, without hosts and metadata, as Nova answers. */
  @Policy(rules.admin) @Post() @HttpCode(200)
  async create(@Body() body: CreateAggregateRequest, @Mv() mv: Microversion) {
    return { aggregate: render(await this.aggregates.create(body.aggregate.name, body.aggregate.availability_zone), mv, false) };
  }

  @Policy(rules.admin) @Get(':id')
  async show(@Param('id') id: string, @Mv() mv: Microversion) {
    return { aggregate: render(await this.aggregates.get(id), mv) };
  }

  @Policy(rules.admin) @Put(':id')
  async update(@Param('id') id: string, @Body() body: UpdateAggregateRequest, @Mv() mv: Microversion) {
    if (body.aggregate.name === undefined && body.aggregate.availability_zone === undefined) {
      throw new BadRequestError('Invalid input for field/attribute aggregate. Value: {}. {} does not have enough properties');
    }
    return { aggregate: render(await this.aggregates.update(id, { name: body.aggregate.name, zone: body.aggregate.availability_zone }), mv) };
  }

  @Policy(rules.admin) @Delete(':id')
  async delete(@Param('id') id: string): Promise<void> {
    await this.aggregates.delete(id);
  }

  @Policy(rules.admin) @Post(':id/action') @HttpCode(200)
  async action(@Param('id') id: string, @Body() body: AggregateActionRequest, @Mv() mv: Microversion) {
    const given = (['add_host', 'remove_host', 'set_metadata'] as const).filter((k) => body[k] !== undefined);
    if (given.length !== 1) throw new BadRequestError('Invalid input: exactly one of add_host, remove_host or set_metadata is required.');
    const result = body.add_host ? await this.aggregates.addHost(id, body.add_host.host)
      : body.remove_host ? await this.aggregates.removeHost(id, body.remove_host.host)
        : await this.aggregates.setMetadata(id, metadataChanges(body.set_metadata!.metadata));
    return { aggregate: render(result, mv) };
  }
}
