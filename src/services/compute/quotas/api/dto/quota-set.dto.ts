import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import { MAX_INT } from '../../../flavors/api/dto/flavor.dto';

/** Integers or digit strings from -1 (unlimited) to MAX_INT, as Nova's quota schema. */
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?[0-9]+$/.test(value) ? Number(value) : value);
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.toLowerCase();
  return ['true', '1', 'on', 'yes'].includes(v) ? true : ['false', '0', 'off', 'no'].includes(v) ? false : value;
};

/** PUT /os-quota-sets/{project_id}; which keys a microversion accepts is checked by the facade. */
export class QuotaSetUpdateDto {
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) instances?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) cores?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) ram?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) metadata_items?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) key_pairs?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) server_groups?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) server_group_members?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) injected_files?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) injected_file_content_bytes?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) injected_file_path_bytes?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) fixed_ips?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) floating_ips?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) security_groups?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(-1) @Max(MAX_INT) security_group_rules?: number;
  /** Set a limit below current usage anyway. */
  @IsOptional() @Transform(toBool) @IsBoolean() force?: boolean;
}
export class UpdateQuotaSetRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => QuotaSetUpdateDto) quota_set: QuotaSetUpdateDto;
}
