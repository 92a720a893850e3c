import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Min, ValidateNested } from 'class-validator';

export const POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const;

export class ServerGroupRulesDto {
  @IsOptional() @IsInt() @Min(1) max_server_per_host?: number;
}

export class ServerGroupDto {
  @IsString() @Length(1, 255) name: string;
  @IsOptional() @IsIn(POLICIES) policy?: (typeof POLICIES)[number];
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1) @IsIn(POLICIES, { each: true }) policies?: (typeof POLICIES)[number][];
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ServerGroupRulesDto) rules?: ServerGroupRulesDto;
}

export class CreateServerGroupRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ServerGroupDto) server_group: ServerGroupDto;
}

