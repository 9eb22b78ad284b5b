import type { Deployment } from '../deployments/deployment';

/**
 * The body sent upstream: the client's, with the deployment's `extraParams` (other
 * `litellm_params`) as defaults the client overrides, and `model` set to the upstream's model.
 * A shallow copy: the client's body is left as it was (the router may send it elsewhere next).
 */
export function upstreamBody(deployment: Deployment, body: Record<string, unknown>): Record<string, unknown> {
  const extra = deployment.extraParams;
  const merged = extra && Object.keys(extra).length > 0 ? { ...extra, ...body } : { ...body };
  merged.model = deployment.upstreamModel;
  return merged;
}
