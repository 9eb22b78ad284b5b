import { OptionalString, PageQuery, SizeQuery } from '../../../platform/common/dto/fields';

const MAX_ID_LENGTH = 256;

export class TeamIdQuery {
  @OptionalString({ description: 'The team (required)', example: 'team-search' }, MAX_ID_LENGTH)
  team_id?: string;
}

export class TeamListQuery {
  @OptionalString(
    { description: 'Teams this user belongs to. Non-admins must pass their own user_id.' },
    MAX_ID_LENGTH,
  )
  user_id?: string;
  @OptionalString(
    { description: '"default_organization" selects teams without an organization' },
    MAX_ID_LENGTH,
  )
  organization_id?: string;
}

export const TEAM_SORT_FIELDS = ['team_id', 'team_alias', 'created_at'] as const;

export class TeamListV2Query {
  @OptionalString({ description: 'Defaults to the caller for non-admins' }, MAX_ID_LENGTH)
  user_id?: string;
  @OptionalString({ description: 'Only teams of this organization' }, MAX_ID_LENGTH)
  organization_id?: string;
  @OptionalString({ description: 'Only this team' }, MAX_ID_LENGTH)
  team_id?: string;
  @OptionalString({ description: 'Case-insensitive substring' }, MAX_ID_LENGTH)
  team_alias?: string;
  @PageQuery()
  page?: number;
  @SizeQuery(100, 10)
  page_size?: number;
  @OptionalString({ enum: TEAM_SORT_FIELDS, description: 'Default created_at (newest first)' }, 64)
  sort_by?: string;
  @OptionalString({ enum: ['asc', 'desc'], default: 'asc', description: 'Direction of sort_by' }, 16)
  sort_order?: string;
}

export class TeamDailyActivityQuery {
  @OptionalString(
    { description: 'Comma-separated team ids (at most 100). Non-admins: their own teams.' },
    30_000,
  )
  team_ids?: string;
  @OptionalString({ description: 'YYYY-MM-DD (required)', example: '2026-01-01' }, 32)
  start_date?: string;
  @OptionalString({ description: 'YYYY-MM-DD (required, inclusive)', example: '2026-01-31' }, 32)
  end_date?: string;
  @OptionalString({ description: 'Only usage of this model' }, MAX_ID_LENGTH)
  model?: string;
  @OptionalString({ description: 'A key (sk-...) or its hash' }, MAX_ID_LENGTH)
  api_key?: string;
  @OptionalString({ description: 'Comma-separated team ids to leave out' }, 30_000)
  exclude_team_ids?: string;
  @PageQuery({ description: 'Pages are whole days, newest first' })
  page?: number;
  @SizeQuery(1000, 50, { description: 'Days per page' })
  page_size?: number;
}
