// A stdio MCP server built with the official SDK (Server + StdioServerTransport), started by the
// gateway as a config.yaml `transport: stdio` server in test/mcp-transports.e2e-spec.ts.
// Tools: add (a + b), greet (the GREETING variable of its environment), pid (its process id),
// exit (answers, then the process exits: the gateway must start a new one on the next call).
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const text = (value) => ({ content: [{ type: 'text', text: String(value) }] });
const tools = {
  add: (args) => text(Number(args.a) + Number(args.b)),
  greet: () => text(process.env.GREETING ?? '(unset)'),
  pid: () => text(process.pid),
  exit: () => {
    setTimeout(() => process.exit(0), 20);
    return text('bye');
  },
};

const server = new Server({ name: 'fake-stdio', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, () => ({
  tools: Object.keys(tools).map((name) => ({
    name,
    description: `${name} tool`,
    inputSchema: { type: 'object', properties: {} },
  })),
}));
server.setRequestHandler(CallToolRequestSchema, (request) => {
  const tool = tools[request.params.name];
  return tool
    ? tool(request.params.arguments ?? {})
    : { ...text(`no tool ${request.params.name}`), isError: true };
});
await server.connect(new StdioServerTransport());
