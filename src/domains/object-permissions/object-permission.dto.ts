import { OptionalObject, OptionalStringList } from '../../platform/common/dto/fields';

/** `object_permission` on keys, users, teams, orgs and customers (LiteLLM_ObjectPermissionTable). */
export class ObjectPermissionRequest {
  @OptionalStringList({ description: 'MCP server ids' })
  mcp_servers?: string[] | null;
  @OptionalStringList()
  mcp_access_groups?: string[] | null;
  @OptionalObject({ description: '{"server_id": ["tool_name", ...]}' })
  mcp_tool_permissions?: Record<string, unknown> | null;
  @OptionalStringList()
  vector_stores?: string[] | null;
  @OptionalStringList()
  agents?: string[] | null;
  @OptionalStringList()
  agent_access_groups?: string[] | null;
  @OptionalStringList()
  models?: string[] | null;
  @OptionalStringList()
  blocked_tools?: string[] | null;
  @OptionalStringList()
  mcp_toolsets?: string[] | null;
  @OptionalStringList()
  search_tools?: string[] | null;
}
