import type { Deployment } from '../deployments/deployment';

/**
 * LiteLLM's simple-shuffle: a random deployment, weighted by `weight` when one is configured,
 * else by `rpm`, else by `tpm`, else uniform. LiteLLM looks only at the first deployment to decide
 * which of these applies; we look at all of them, so the order of the model list does not matter.
 * A deployment without the chosen figure gets no share, unless none has one.
 */
export function simpleShuffle(deployments: readonly Deployment[], random: () => number): Deployment {
  const shares = sharesOf(deployments);
  const total = shares.reduce((sum, share) => sum + share, 0);
  if (total <= 0) return deployments[Math.floor(random() * deployments.length)];
  let point = random() * total;
  for (let i = 0; i < deployments.length; i++) {
    point -= shares[i];
    if (point < 0) return deployments[i];
  }
  return deployments[deployments.length - 1];
}

function sharesOf(deployments: readonly Deployment[]): number[] {
  const positive = (n: number | undefined) => (n !== undefined && Number.isFinite(n) && n > 0 ? n : 0);
  // `weight` defaults to 1, so a weight is "configured" when some deployment has another value.
  if (deployments.some((d) => d.weight !== 1)) return deployments.map((d) => positive(d.weight));
  if (deployments.some((d) => d.rpm !== undefined)) return deployments.map((d) => positive(d.rpm));
  if (deployments.some((d) => d.tpm !== undefined)) return deployments.map((d) => positive(d.tpm));
  return deployments.map(() => 1);
}
