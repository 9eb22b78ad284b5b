import type { Deployment } from '../deployments/deployment';
import { OpenAICompatibleAdapter, trimSlash, type OpenAIEndpoint } from './openai-compatible.adapter';

export const OPENAI_DEFAULT_API_BASE = 'https://api.openai.com/v1';

/** OpenAI (and any OpenAI-compatible server at `api_base`): `POST {api_base}/chat/completions`. */
export class OpenAIAdapter extends OpenAICompatibleAdapter {
  protected readonly label = 'OpenAIException' as const;

  protected urlFor(deployment: Deployment, endpoint: OpenAIEndpoint): string {
    return `${trimSlash(deployment.apiBase ?? OPENAI_DEFAULT_API_BASE)}/${endpoint}`;
  }

  protected headersFor(deployment: Deployment): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
    return headers;
  }
}
