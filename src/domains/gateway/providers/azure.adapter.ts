import type { Deployment } from '../deployments/deployment';
import { UpstreamError } from './provider';
import { OpenAICompatibleAdapter, trimSlash, type OpenAIEndpoint } from './openai-compatible.adapter';

/** The `api-version` sent when a deployment names none (LiteLLM's default at the time of writing). */
export const AZURE_DEFAULT_API_VERSION = '2025-02-01-preview';

/**
 * Azure OpenAI: the deployment name in the path, the key in `api-key`, `api-version` in the
 * query. Chat and embeddings go to `{api_base}/openai/deployments/{deployment}/...`; the
 * Responses API is per resource, `{api_base}/openai/responses`, with the deployment as `model`.
 */
export class AzureAdapter extends OpenAICompatibleAdapter {
  protected readonly label = 'AzureException' as const;

  protected urlFor(deployment: Deployment, endpoint: OpenAIEndpoint): string {
    if (!deployment.apiBase) {
      throw new UpstreamError(
        'client',
        400,
        'litellm.BadRequestError: AzureException - api_base is not set for this deployment.',
        'bad_request_error',
      );
    }
    const base = trimSlash(deployment.apiBase);
    const version = encodeURIComponent(deployment.apiVersion ?? AZURE_DEFAULT_API_VERSION);
    if (endpoint === 'responses') return `${base}/openai/responses?api-version=${version}`;
    const name = encodeURIComponent(deployment.upstreamModel);
    return `${base}/openai/deployments/${name}/${endpoint}?api-version=${version}`;
  }

  protected headersFor(deployment: Deployment): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (deployment.apiKey) headers['api-key'] = deployment.apiKey;
    return headers;
  }
}
