import { Body, Controller, Delete, Get, Head, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Policy, Public, rules } from '../../../common/auth/policy';
import { TOKEN_VALIDATOR, TokenValidator } from '../../../common/auth/token-validator';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { ForbiddenError, NotFoundError } from '../../../common/errors/api-error';
import { TokenClaims } from '../../../contracts/identity/identity.types';
import { parseAuthRequest } from '../auth-request';
import { Authenticator } from '../authenticator';
import { CatalogService } from '../catalog.service';
import { DomainsApi } from '../domains.api';
import { ProjectsApi } from '../projects.api';
import { RevocationService } from '../revocation.service';
import { identityBase, listLinks, renderDomain, renderProject, renderToken } from './views/identity.views';
import { boolQuery } from './query';

@Controller('v3/auth')
export class AuthController {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly catalog: CatalogService,
    private readonly projects: ProjectsApi,
    private readonly domains: DomainsApi,
    private readonly revocations: RevocationService,
    @Inject(TOKEN_VALIDATOR) private readonly validator: TokenValidator,
  ) {}

  /** Keystone's auth body is polymorphic; parseAuthRequest validates it field by field. */
  @Public() @Post('tokens') @HttpCode(201)
  async issue(@Body() body: unknown, @Query('nocatalog') nocatalog: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const { token, claims } = await this.authenticator.authenticate(parseAuthRequest(body));
    reply.header('X-Subject-Token', token);
    const withCatalog = nocatalog === undefined || boolQuery('nocatalog', nocatalog) === false;
    return renderToken(claims, withCatalog ? await this.catalog.forProject(claims.pid) : undefined);
  }

  @Policy(rules.authenticated) @Get('tokens')
  async show(@Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Query('nocatalog') nocatalog: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const { token, claims } = await this.subject(req, ctx);
    reply.header('X-Subject-Token', token);
    const withCatalog = nocatalog === undefined || boolQuery('nocatalog', nocatalog) === false;
    return renderToken(claims, withCatalog ? await this.catalog.forProject(claims.pid) : undefined);
  }

  @Policy(rules.authenticated) @Head('tokens') @HttpCode(200)
  async check(@Req() req: FastifyRequest, @Ctx() ctx: RequestContext): Promise<void> {
    await this.subject(req, ctx);
  }

  @Policy(rules.authenticated) @Delete('tokens') @HttpCode(204)
  async revoke(@Req() req: FastifyRequest, @Ctx() ctx: RequestContext): Promise<void> {
    const { claims } = await this.subject(req, ctx);
    await this.revocations.revoke({ auditId: claims.aid }, ctx);
  }

  @Policy(rules.authenticated) @Get('catalog')
  async getCatalog(@Req() req: FastifyRequest, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.type('application/json; charset=utf-8');
    return `{"catalog":${await this.catalog.jsonForProject(ctx.projectId)},"links":${JSON.stringify(listLinks(req))}}`;
  }

  @Policy(rules.authenticated) @Get('projects')
  async getProjects(@Req() req: FastifyRequest, @Ctx() ctx: RequestContext) {
    const projects = await this.projects.listForUser(ctx.userId!, ctx);
    const base = identityBase(req);
    return { projects: projects.filter((p) => p.enabled).map((p) => renderProject(p, base)), links: listLinks(req) };
  }

  @Policy(rules.authenticated) @Get('domains')
  async getDomains(@Req() req: FastifyRequest, @Ctx() ctx: RequestContext) {
    const base = identityBase(req);
    const all = await this.domains.list({ enabled: true });
    const mine = ctx.isAdmin ? all : all.filter((d) => d.id === ctx.domainId);
    return { domains: mine.map((d) => renderDomain(d, base)), links: listLinks(req) };
  }

  /** The token named by X-Subject-Token: the caller's own, or anyone's for an admin. */
  private async subject(req: FastifyRequest, ctx: RequestContext): Promise<{ token: string; claims: TokenClaims }> {
    const raw = req.headers['x-subject-token'];
    const token = Array.isArray(raw) ? raw[0] : raw;
    if (!token) throw new NotFoundError('Could not find token: (none given in X-Subject-Token).');
    const claims = await this.validator.validate(token).catch(() => {
      throw new NotFoundError(`Could not find token: ${token.slice(0, 16)}…`);
    });
    if (!ctx.isAdmin && claims.sub !== ctx.userId) throw new ForbiddenError();
    return { token, claims };
  }
}
