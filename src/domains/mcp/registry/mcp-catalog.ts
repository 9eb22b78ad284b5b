/**
 * The curated lists behind `GET /v1/mcp/discover` and `GET /v1/mcp/openapi-registry` (spec §1.3
 * E26, E27): a few well-known public MCP servers and OpenAPI specs an admin may add, written for
 * this project (LiteLLM ships its own, larger lists). Static: no network call, no table.
 */

export interface McpCatalogServer {
  name: string;
  title: string;
  description: string;
  category: string;
  url: string;
  transport: 'http' | 'sse';
  auth_type: 'none' | 'oauth2' | 'bearer_token' | 'api_key';
  docs_url: string;
}

export interface OpenApiCatalogEntry {
  name: string;
  title: string;
  description: string;
  spec_url: string;
  auth_type: 'none' | 'bearer_token' | 'api_key';
}

export const MCP_CATALOG: readonly McpCatalogServer[] = [
  {
    name: 'github',
    title: 'GitHub',
    description: 'Repositories, issues and pull requests through GitHub’s hosted MCP server.',
    category: 'Developer tools',
    url: 'https://api.githubcopilot.com/mcp/',
    transport: 'http',
    auth_type: 'oauth2',
    docs_url: 'https://github.com/github/github-mcp-server',
  },
  {
    name: 'deepwiki',
    title: 'DeepWiki',
    description: 'Questions about public GitHub repositories, answered from their generated wikis.',
    category: 'Developer tools',
    url: 'https://mcp.deepwiki.com/mcp',
    transport: 'http',
    auth_type: 'none',
    docs_url: 'https://docs.devin.ai/work-with-devin/deepwiki-mcp',
  },
  {
    name: 'linear',
    title: 'Linear',
    description: 'Issues, projects and comments in a Linear workspace.',
    category: 'Project management',
    url: 'https://mcp.linear.app/sse',
    transport: 'sse',
    auth_type: 'oauth2',
    docs_url: 'https://linear.app/docs/mcp',
  },
  {
    name: 'sentry',
    title: 'Sentry',
    description: 'Errors, issues and releases of a Sentry organization.',
    category: 'Observability',
    url: 'https://mcp.sentry.dev/mcp',
    transport: 'http',
    auth_type: 'oauth2',
    docs_url: 'https://docs.sentry.io/product/sentry-mcp/',
  },
  {
    name: 'stripe',
    title: 'Stripe',
    description: 'Customers, payments and the Stripe documentation.',
    category: 'Payments',
    url: 'https://mcp.stripe.com',
    transport: 'http',
    auth_type: 'bearer_token',
    docs_url: 'https://docs.stripe.com/mcp',
  },
];

export const OPENAPI_CATALOG: readonly OpenApiCatalogEntry[] = [
  {
    name: 'petstore',
    title: 'Swagger Petstore',
    description: 'The OpenAPI sample API: a small spec to try spec_path servers with.',
    spec_url: 'https://petstore3.swagger.io/api/v3/openapi.json',
    auth_type: 'none',
  },
  {
    name: 'github_rest',
    title: 'GitHub REST API',
    description: 'GitHub’s published OpenAPI description of its REST API.',
    spec_url:
      'https://raw.githubusercontent.com/github/rest-api-description/main/descriptions/api.github.com/api.github.com.json',
    auth_type: 'bearer_token',
  },
];
