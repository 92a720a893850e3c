import { Module } from '@nestjs/common';
import { AuthController } from './api/auth.controller';
import { EndpointsController, RegionsController, ServicesController } from './api/catalog.controller';
import { DomainsController } from './api/domains.controller';
import { ProjectsController } from './api/projects.controller';
import { RoleAssignmentsController, RolesController } from './api/roles.controller';
import { UsersController } from './api/users.controller';
import { IdentityVersionsController } from './api/versions.controller';
import { AssignmentsService } from './assignments.service';
import { Authenticator } from './authenticator';
import { BootstrapService } from './bootstrap.service';
import { CatalogAdminApi } from './catalog-admin.api';
import { CatalogService } from './catalog.service';
import { DomainsApi } from './domains.api';
import { IdentityManager } from './identity.manager';
import { PasswordHasher } from './password-hasher';
import { ProjectsApi } from './projects.api';
import { RevocationService } from './revocation.service';
import { RolesApi } from './roles.api';
import { SigningKeysService } from './signing-keys.service';
import { UsersApi } from './users.api';

@Module({
  controllers: [
    IdentityVersionsController, AuthController, ProjectsController, DomainsController, UsersController,
    RolesController, RoleAssignmentsController, ServicesController, EndpointsController, RegionsController,
  ],
  providers: [
    PasswordHasher, SigningKeysService, RevocationService, CatalogService, AssignmentsService, Authenticator,
    DomainsApi, ProjectsApi, UsersApi, RolesApi, CatalogAdminApi, IdentityManager, BootstrapService,
  ],
  exports: [BootstrapService],
})
export class IdentityModule {}
