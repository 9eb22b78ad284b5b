import type { PrismaService } from '../src/platform/prisma/prisma.service';
import { uniq } from './app.factory';
import {
  addOrgMember,
  createBudget,
  createKey,
  createOrganization,
  createTeam,
  createUser,
  setTeamMembership,
  TeamMember,
} from './factories';

/**
 * The world LiteLLM's behaviour-pin suite seeds (spec tenancy.md §0.3), with unique ids so that
 * several worlds can live in one test database:
 * - orgs A and B; teams alpha (org A: TEAM_ADMIN admin; INTERNAL_USER, OWNER, UNRELATED_SAME_ORG,
 *   SERVICE_ACCOUNT members), beta (org B: CROSS_ORG_USER) and gamma (org A, empty);
 * - every actor has one key; team actors' keys are team keys (team_id + organization_id).
 */
export const ACTORS = [
  'PROXY_ADMIN',
  'ORG_ADMIN',
  'ORG_B_ADMIN',
  'TEAM_ADMIN',
  'INTERNAL_USER',
  'OWNER',
  'UNRELATED_SAME_ORG',
  'CROSS_ORG_USER',
  'SERVICE_ACCOUNT',
] as const;
export type ActorName = (typeof ACTORS)[number];

export interface Actor {
  userId: string;
  key: string;
  token: string;
  teamId: string | null;
}

export interface World {
  orgA: string;
  orgB: string;
  alpha: string;
  beta: string;
  gamma: string;
  actors: Record<ActorName, Actor>;
}

const ALPHA_MEMBERS: ActorName[] = [
  'TEAM_ADMIN',
  'INTERNAL_USER',
  'OWNER',
  'UNRELATED_SAME_ORG',
  'SERVICE_ACCOUNT',
];

export async function createWorld(prisma: PrismaService): Promise<World> {
  const id = uniq('w');
  const orgA = `behavior-pin-org-a-${id}`;
  const orgB = `behavior-pin-org-b-${id}`;
  const alpha = `team-alpha-${id}`;
  const beta = `team-beta-${id}`;
  const gamma = `team-gamma-${id}`;
  const userId = (name: ActorName) => `${name.toLowerCase()}-${id}`;
  const role = (name: ActorName) =>
    name === 'PROXY_ADMIN'
      ? 'proxy_admin'
      : name === 'ORG_ADMIN' || name === 'ORG_B_ADMIN'
        ? 'org_admin'
        : 'internal_user';
  const orgOf = (name: ActorName) => (name === 'ORG_B_ADMIN' || name === 'CROSS_ORG_USER' ? orgB : orgA);
  const teamOf = (name: ActorName) =>
    ALPHA_MEMBERS.includes(name) ? alpha : name === 'CROSS_ORG_USER' ? beta : null;

  const budget = await createBudget(prisma, { created_by: 'world', updated_by: 'world' });
  for (const [org, alias] of [
    [orgA, 'alpha'],
    [orgB, 'beta'],
  ]) {
    await createOrganization(prisma, {
      organization_id: org,
      organization_alias: `${alias}-${id}`,
      budget_id: budget.budget_id,
      created_by: 'world',
      updated_by: 'world',
    });
  }
  for (const name of ACTORS) {
    await createUser(prisma, role(name), {
      user_id: userId(name),
      teams: teamOf(name) ? [teamOf(name)!] : [],
    });
  }
  const members = (names: ActorName[]): TeamMember[] =>
    names.map((n) => ({ user_id: userId(n), role: n === 'TEAM_ADMIN' ? 'admin' : 'user' }));
  const teams: [string, string, ActorName[]][] = [
    [alpha, orgA, ALPHA_MEMBERS],
    [beta, orgB, ['CROSS_ORG_USER']],
    [gamma, orgA, []],
  ];
  for (const [teamId, org, names] of teams) {
    await createTeam(prisma, {
      team_id: teamId,
      team_alias: teamId,
      organization_id: org,
      roster: members(names),
    });
  }
  for (const name of ACTORS.filter((n) => n !== 'PROXY_ADMIN')) {
    await addOrgMember(prisma, userId(name), orgOf(name), {
      user_role: name === 'ORG_ADMIN' || name === 'ORG_B_ADMIN' ? 'org_admin' : 'internal_user',
    });
  }
  for (const name of ACTORS.filter((n) => teamOf(n)))
    await setTeamMembership(prisma, userId(name), teamOf(name)!);

  const actors = {} as Record<ActorName, Actor>;
  for (const name of ACTORS) {
    const teamId = teamOf(name);
    const { raw, token } = await createKey(prisma, {
      user_id: userId(name),
      team_id: teamId,
      organization_id: teamId ? orgOf(name) : null,
      metadata: name === 'SERVICE_ACCOUNT' ? { service_account_id: `sa-${id}` } : {},
    });
    actors[name] = { userId: userId(name), key: raw, token, teamId };
  }
  return { orgA, orgB, alpha, beta, gamma, actors };
}
