import type { McpServer } from '../registry/mcp-server';
import { serverCostInfo, toolCallCost } from './mcp-spend';

const withInfo = (mcpInfo: Record<string, unknown>) => ({ mcpInfo }) as unknown as McpServer;

describe('MCP tool prices (mcp_info.mcp_server_cost_info)', () => {
  it("should take the tool's own price, else the server default, else 0", () => {
    const info = serverCostInfo(
      withInfo({
        mcp_server_cost_info: {
          default_cost_per_query: 0.01,
          tool_name_to_cost_per_query: { search: 0.25, free: 0 },
        },
      }),
    );
    expect(toolCallCost(info, 'search')).toBe(0.25);
    expect(toolCallCost(info, 'free')).toBe(0);
    expect(toolCallCost(info, 'other')).toBe(0.01);
    expect(toolCallCost(serverCostInfo(withInfo({})), 'search')).toBe(0);
  });

  it('should ignore prices that are not finite numbers ≥ 0 and names of the object prototype', () => {
    const info = serverCostInfo(
      withInfo({
        mcp_server_cost_info: {
          default_cost_per_query: '0.5',
          tool_name_to_cost_per_query: { neg: -1, text: '1', nan: Number.NaN, ok: 2 },
        },
      }),
    );
    expect(info).toEqual({ tool_name_to_cost_per_query: { ok: 2 } });
    expect(toolCallCost(info, 'neg')).toBe(0);
    expect(toolCallCost(info, 'toString')).toBe(0);
    expect(serverCostInfo(withInfo({ mcp_server_cost_info: [1] }))).toBeUndefined();
  });
});
