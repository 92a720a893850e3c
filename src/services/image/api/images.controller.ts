import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Policy, Public, rules } from '../../../common/auth/policy';
import { Ctx } from '../../../common/context/ctx.decorator';
import { RequestContext } from '../../../common/context/request-context';
import { UnsupportedMediaTypeError } from '../../../common/errors/api-error';
import { STREAM_BODY } from '../../../common/http/http-app';
import { ImageData, ImagesApi } from '../images.api';
import { PredistributeRequest } from './dto/image-body';
import { parseListQuery } from './dto/image-query';
import { renderImage, renderImageList } from './views/image.view';

export const JSON_PATCH_TYPE = 'application/openstack-images-v2.1-json-patch';

function sendData(reply: FastifyReply, data: ImageData | null): FastifyReply {
  if (!data) return reply.status(204).send();
  reply.status(200).header('content-type', 'application/octet-stream').header('content-length', String(data.size));
  if (data.checksum) reply.header('content-md5', data.checksum);
  return reply.send(data.stream);
}

/** Glance v2 images. Bodies are flat (not wrapped) and free-form, so they are checked in image-body.ts. */
@Controller('v2/images')
export class ImagesController {
  constructor(private readonly images: ImagesApi) {}

  @Policy(rules.projectReader) @Get()
  async list(@Req() req: FastifyRequest, @Query() q: Record<string, unknown>, @Ctx() ctx: RequestContext) {
    return renderImageList(req, await this.images.list(parseListQuery(q), ctx));
  }

  @Policy(rules.projectMember) @Post() @HttpCode(201)
  async create(@Body() body: unknown, @Ctx() ctx: RequestContext) {
    return renderImage(await this.images.create(body, ctx));
  }

  @Policy(rules.projectReader) @Get(':id')
  async show(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return renderImage(await this.images.get(id, ctx));
  }

  @Policy(rules.projectMember) @Patch(':id')
  async update(@Req() req: FastifyRequest, @Param('id') id: string, @Body() body: unknown, @Ctx() ctx: RequestContext) {
    const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== JSON_PATCH_TYPE) throw new UnsupportedMediaTypeError(`Unsupported Content-Type: send ${JSON_PATCH_TYPE}.`);
    return renderImage(await this.images.update(id, body, ctx));
  }

  @Policy(rules.projectMember) @Delete(':id') @HttpCode(204)
  async remove(@Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    await this.images.delete(id, ctx);
  }

  /** The body arrives as a stream (application/octet-stream, see STREAM_BODY) and is never buffered whole. */
  @Policy(rules.projectMember) @Put(':id/file') @HttpCode(204) @RouteConfig({ [STREAM_BODY]: true })
  async upload(@Req() req: FastifyRequest, @Param('id') id: string, @Ctx() ctx: RequestContext): Promise<void> {
    if (!(req.body instanceof Readable)) throw new UnsupportedMediaTypeError('Image data must be sent as application/octet-stream.');
    await this.images.upload(id, req.body, ctx);
  }

  @Policy(rules.projectReader) @Get(':id/file')
  async download(@Param('id') id: string, @Ctx() ctx: RequestContext, @Res() reply: FastifyReply) {
    return sendData(reply, await this.images.download(id, ctx));
  }

  /** berth's admin action: have the agents of `hosts` fetch the image ahead of mass creation. */
  @Policy(rules.admin) @Post(':id/actions/predistribute') @HttpCode(202)
  async predistribute(@Param('id') id: string, @Body() body: PredistributeRequest, @Ctx() ctx: RequestContext) {
    return this.images.predistribute(id, body.hosts, ctx);
  }
}

/** Image data behind signed, expiring URLs, for agents that hold no token (see DataUrlService). */
@Controller('v2/internal/images')
export class ImageDataController {
  constructor(private readonly images: ImagesApi) {}

  @Public() @Get(':id/data')
  async data(@Param('id') id: string, @Query('expires') expires: unknown, @Query('signature') signature: unknown, @Res() reply: FastifyReply) {
    return sendData(reply, await this.images.downloadSigned(id, expires, signature));
  }

  /** An agent's capture of an instance, streamed as upload is (never buffered whole). */
  @Public() @Put(':id/data') @HttpCode(204) @RouteConfig({ [STREAM_BODY]: true })
  async upload(@Req() req: FastifyRequest, @Param('id') id: string, @Query('expires') expires: unknown, @Query('signature') signature: unknown): Promise<void> {
    if (!(req.body instanceof Readable)) throw new UnsupportedMediaTypeError('Image data must be sent as application/octet-stream.');
    await this.images.uploadSigned(id, expires, signature, req.body);
  }
}
