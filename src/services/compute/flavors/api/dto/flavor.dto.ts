import { Transform, Type } from 'class-transformer';
import {
  IsBoolean, IsDefined, IsInt, IsNumber, IsObject, IsOptional, IsPositive, IsString, Length, Matches, Max, MaxLength, Min,
  ValidateIf, ValidateNested,
} from 'class-validator';

/** Nova's db_const.MAX_INT: the largest value of a flavor's integer fields. */
export const MAX_INT = 0x7fffffff;

/** Nova accepts integers or digit strings for flavor sizes (parameter_types.flavor_param_*). */
export const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?[0-9]+$/.test(value) ? Number(value) : value);
const toFloat = ({ value }: { value: unknown }) => (typeof value === 'string' && /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : value);
const TRUE = ['true', '1', 'on', 'yes'];
const FALSE = ['false', '0', 'off', 'no'];
/** parameter_types.boolean: true/false or their common string spellings. */
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  if (TRUE.includes(value.toLowerCase())) return true;
  if (FALSE.includes(value.toLowerCase())) return false;
  return value;
};
/** A flavor id may come as a number; Nova stores it as a string. */
const toIdString = ({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value);

/** No leading or trailing whitespace, no control characters (Nova's valid_name_regex). */
const NAME_RE = /^(?!\s)[^\u0000-\u001f\u007f]*(?<!\s)$/;
/** Nova's flavor id pattern: letters, digits, `. _-`, no leading or trailing space. */
const FLAVOR_ID_RE = /^(?! )[a-zA-Z0-9. _-]+(?<! )$/;

export class FlavorCreateDto {
  @IsString() @Length(1, 255) @Matches(NAME_RE, { message: 'must not have leading or trailing whitespace nor control characters' })
  name: string;

  /** Absent or null: berth generates a uuid (the openstack CLI sends `"id": null`). */
  @IsOptional() @Transform(toIdString) @IsString() @Length(1, 255) @Matches(FLAVOR_ID_RE, { message: 'must be letters, digits, ". _-" without leading or trailing spaces' })
  id?: string | null;

  @Transform(toInt) @IsInt() @Min(1) @Max(MAX_INT) ram: number;
  @Transform(toInt) @IsInt() @Min(1) @Max(MAX_INT) vcpus: number;
  @Transform(toInt) @IsInt() @Min(0) @Max(MAX_INT) disk: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(MAX_INT) swap?: number;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(MAX_INT) 'OS-FLV-EXT-DATA:ephemeral'?: number;
  @IsOptional() @Transform(toFloat) @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(3.40282e38) rxtx_factor?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() 'os-flavor-access:is_public'?: boolean;
  /** From microversion 2.55 (checked by the facade). */
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
}
export class CreateFlavorRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => FlavorCreateDto) flavor: FlavorCreateDto;
}

export class FlavorUpdateDto {
  /** Required; null clears it. */
  @ValidateIf((o: FlavorUpdateDto) => o.description !== null) @IsString() @MaxLength(65535) description: string | null;
}
export class UpdateFlavorRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => FlavorUpdateDto) flavor: FlavorUpdateDto;
}

/** os-flavor-access actions (parameter_types.tenant_id). */
export class TenantAccessDto {
  @IsString() @Length(1, 255) @Matches(/^[a-zA-Z0-9-_]*$/, { message: 'must be letters, digits, "-" or "_"' }) tenant: string;
}
export class AddTenantAccessRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => TenantAccessDto) addTenantAccess: TenantAccessDto;
}
export class RemoveTenantAccessRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => TenantAccessDto) removeTenantAccess: TenantAccessDto;
}
