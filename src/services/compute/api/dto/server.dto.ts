import { Type } from 'class-transformer';
import {
  Allow, IsArray, IsBoolean, IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested,
} from 'class-validator';

/* Nova's server bodies. Fields of later issues (networks, block devices) are accepted now and
   checked by the service that owns them. */

export class CreateServerDto {
  @IsString() @Length(1, 255) name: string;
  @IsOptional() @IsString() @MaxLength(255) imageRef?: string;
  @IsDefined() @IsString() @Length(1, 255) flavorRef: string;
  /** "auto", "none" or a list of {uuid|port|fixed_ip|tag}; validated by ServersApi per microversion. */
  @Allow() networks?: unknown;
  @IsOptional() @IsObject() metadata?: Record<string, string>;
  @IsOptional() @IsString() @Length(1, 255) availability_zone?: string;
  @IsOptional() @IsInt() @Min(1) @Max(1000) min_count?: number;
  @IsOptional() @IsInt() @Min(1) @Max(1000) max_count?: number;
  @IsOptional() @IsBoolean() return_reservation_id?: boolean;
  @IsOptional() @IsArray() security_groups?: { name: string }[];
  @IsOptional() @IsString() key_name?: string;
  @IsOptional() @IsString() user_data?: string;
  @IsOptional() @IsBoolean() config_drive?: boolean;
  @IsOptional() @IsString() accessIPv4?: string;
  @IsOptional() @IsString() accessIPv6?: string;
  @IsOptional() @IsString() adminPass?: string;
  @IsOptional() @IsArray() block_device_mapping_v2?: Record<string, unknown>[];
  @IsOptional() @IsString() @MaxLength(255) description?: string | null;
  @IsOptional() @IsArray() @IsString({ each: true }) tags?: string[];
  @IsOptional() @IsString() hostname?: string;
  @IsOptional() @IsIn(['AUTO', 'MANUAL']) 'OS-DCF:diskConfig'?: string;
  @IsOptional() @IsString() host?: string;
  @IsOptional() @IsString() hypervisor_hostname?: string;
}

export class SchedulerHintsDto {
  @IsOptional() @IsString() group?: string;
  @IsOptional() @Allow() same_host?: string | string[];
  @IsOptional() @Allow() different_host?: string | string[];
}

export class CreateServerRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => CreateServerDto) server: CreateServerDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SchedulerHintsDto) 'os:scheduler_hints'?: SchedulerHintsDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SchedulerHintsDto) 'OS-SCH-HNT:scheduler_hints'?: SchedulerHintsDto;
}

export class UpdateServerDto {
  @IsOptional() @IsString() @Length(1, 255) name?: string;
  @IsOptional() @IsString() @MaxLength(255) description?: string | null;
  @IsOptional() @IsString() accessIPv4?: string;
  @IsOptional() @IsString() accessIPv6?: string;
  @IsOptional() @IsString() hostname?: string;
}

export class UpdateServerRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => UpdateServerDto) server: UpdateServerDto;
}

export class MetadataRequest {
  @IsDefined() @IsObject() metadata: Record<string, string>;
}

export class MetaItemRequest {
  @IsDefined() @IsObject() meta: Record<string, string>;
}
