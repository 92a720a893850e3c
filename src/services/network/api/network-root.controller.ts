import { Controller, Get, Param, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Policy, Public, rules } from '../../../common/auth/policy';
import { NotFoundError } from '../../../common/errors/api-error';
import { networkBase } from './network-base';

/** What berth's network service implements, under Neutron's aliases and names (clients look them up). */
export const EXTENSIONS = [
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application' },
  { alias: 'binding-extended', name: 'Port Bindings Extended', description: 'Expose port bindings of a virtual port to external application' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.' },
  { alias: 'provider', name: 'Provider Network', description: 'Expose mapping of virtual networks to physical networks' },
  { alias: 'quotas', name: 'Quota management support', description: 'Expose functions for quotas management per project' },
  { alias: 'quota_details', name: 'Quota details management support', description: 'Expose functions for quotas usage statistics per project' },
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security' },
  { alias: 'allowed-address-pairs', name: 'Allowed Address Pairs', description: 'Provides allowed address pairs' },
  { alias: 'network-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.' },
  { alias: 'standard-attr-description', name: 'standard-attr-description', description: 'Extension to add descriptions to standard attributes' },
  { alias: 'standard-attr-revisions', name: 'Resource revision numbers', description: 'This extension will display the revision number of neutron resources.' },
  { alias: 'standard-attr-timestamp', name: 'Resource timestamps', description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.' },
  { alias: 'filter-validation', name: 'Filter parameters validation', description: 'Provides validation on filtering parameters.' },
];

const RESOURCES = ['network', 'subnet', 'port', 'security_group', 'security_group_rule', 'floatingip', 'quota', 'extension'];

@Controller()
export class NetworkRootController {
  @Public() @Get()
  versions(@Req() req: FastifyRequest) {
    return { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${networkBase(req)}/v2.0/`, rel: 'self' }] }] };
  }

  @Public() @Get('v2.0')
  resources(@Req() req: FastifyRequest) {
    return {
      resources: RESOURCES.map((name) => {
        const collection = name === 'security_group' ? 'security-groups' : name === 'security_group_rule' ? 'security-group-rules' : `${name}s`;
        return { name, collection, links: [{ href: `${networkBase(req)}/v2.0/${collection}`, rel: 'self' }] };
      }),
    };
  }

  @Policy(rules.authenticated) @Get('v2.0/extensions')
  extensions() {
    return { extensions: EXTENSIONS.map(render) };
  }

  /** By alias, as Neutron answers; OSC also asks by name, which is a 404 it handles. */
  @Policy(rules.authenticated) @Get('v2.0/extensions/:alias')
  extension(@Param('alias') alias: string) {
    const ext = EXTENSIONS.find((e) => e.alias === alias);
    if (!ext) throw new NotFoundError(`Extension with alias ${alias} does not exist`, 'HTTPNotFound');
    return { extension: render(ext) };
  }
}

function render(e: (typeof EXTENSIONS)[number]) {
  return { alias: e.alias, name: e.name, description: e.description, links: [], updated: '2026-11-23T00:00:00-00:00' };
}
