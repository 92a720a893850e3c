import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsObject, IsOptional, IsString, Length, MaxLength, ValidateNested } from 'class-validator';

/* Keystone resource bodies. Optional fields accept null, as the openstack CLI sends them. */

export class ProjectCreateDto {
  @IsString() @Length(1, 64) name: string;
  @IsOptional() @IsString() @Length(1, 64) domain_id?: string | null;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsString() @Length(1, 64) parent_id?: string | null;
  @IsOptional() @IsBoolean() is_domain?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) @Length(1, 255, { each: true }) tags?: string[];
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class CreateProjectRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ProjectCreateDto) project: ProjectCreateDto;
}

export class ProjectUpdateDto {
  @IsOptional() @IsString() @Length(1, 64) name?: string;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) @Length(1, 255, { each: true }) tags?: string[];
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class UpdateProjectRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ProjectUpdateDto) project: ProjectUpdateDto;
}

export class UserCreateDto {
  @IsString() @Length(1, 255) name: string;
  @IsOptional() @IsString() @Length(1, 64) domain_id?: string | null;
  @IsOptional() @IsString() @MaxLength(4096) password?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsString() @Length(1, 64) default_project_id?: string | null;
  @IsOptional() @IsString() @MaxLength(255) email?: string | null;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class CreateUserRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => UserCreateDto) user: UserCreateDto;
}

export class UserUpdateDto {
  @IsOptional() @IsString() @Length(1, 255) name?: string;
  @IsOptional() @IsString() @MaxLength(4096) password?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsString() @Length(1, 64) default_project_id?: string | null;
  @IsOptional() @IsString() @MaxLength(255) email?: string | null;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class UpdateUserRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => UserUpdateDto) user: UserUpdateDto;
}

export class PasswordChangeDto {
  @IsString() @MaxLength(4096) password: string;
  @IsString() @MaxLength(4096) original_password: string;
}
export class ChangePasswordRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => PasswordChangeDto) user: PasswordChangeDto;
}

export class RoleCreateDto {
  @IsString() @Length(1, 255) name: string;
  @IsOptional() @IsString() @MaxLength(255) description?: string | null;
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class CreateRoleRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => RoleCreateDto) role: RoleCreateDto;
}
export class RoleUpdateDto {
  @IsOptional() @IsString() @Length(1, 255) name?: string;
  @IsOptional() @IsString() @MaxLength(255) description?: string | null;
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class UpdateRoleRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => RoleUpdateDto) role: RoleUpdateDto;
}

export class DomainCreateDto {
  @IsString() @Length(1, 64) name: string;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsString() @Length(1, 64) explicit_domain_id?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) tags?: string[];
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class CreateDomainRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => DomainCreateDto) domain: DomainCreateDto;
}
export class DomainUpdateDto {
  @IsOptional() @IsString() @Length(1, 64) name?: string;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
  @IsOptional() @IsArray() @IsString({ each: true }) tags?: string[];
  @IsOptional() @IsObject() options?: Record<string, unknown>;
}
export class UpdateDomainRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => DomainUpdateDto) domain: DomainUpdateDto;
}

export class ServiceCreateDto {
  @IsString() @Length(1, 255) type: string;
  @IsOptional() @IsString() @Length(1, 255) name?: string | null;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
}
export class CreateServiceRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ServiceCreateDto) service: ServiceCreateDto;
}
export class ServiceUpdateDto {
  @IsOptional() @IsString() @Length(1, 255) type?: string;
  @IsOptional() @IsString() @Length(1, 255) name?: string;
  @IsOptional() @IsString() @MaxLength(65535) description?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
}
export class UpdateServiceRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ServiceUpdateDto) service: ServiceUpdateDto;
}

export class EndpointCreateDto {
  @IsString() @Length(1, 64) service_id: string;
  @IsIn(['public', 'internal', 'admin']) interface: 'public' | 'internal' | 'admin';
  @IsString() @Length(1, 2048) url: string;
  @IsOptional() @IsString() @Length(1, 255) region_id?: string | null;
  @IsOptional() @IsString() @Length(1, 255) region?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
}
export class CreateEndpointRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => EndpointCreateDto) endpoint: EndpointCreateDto;
}
export class EndpointUpdateDto {
  @IsOptional() @IsString() @Length(1, 64) service_id?: string;
  @IsOptional() @IsIn(['public', 'internal', 'admin']) interface?: 'public' | 'internal' | 'admin';
  @IsOptional() @IsString() @Length(1, 2048) url?: string;
  @IsOptional() @IsString() @Length(1, 255) region_id?: string | null;
  @IsOptional() @IsBoolean() enabled?: boolean;
}
export class UpdateEndpointRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => EndpointUpdateDto) endpoint: EndpointUpdateDto;
}

export class RegionCreateDto {
  @IsOptional() @IsString() @Length(1, 255) id?: string;
  @IsOptional() @IsString() @MaxLength(255) description?: string | null;
  @IsOptional() @IsString() @Length(1, 255) parent_region_id?: string | null;
}
export class CreateRegionRequest {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => RegionCreateDto) region: RegionCreateDto;
}
