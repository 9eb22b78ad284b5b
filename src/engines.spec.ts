import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { minVersion, satisfies } from 'semver';

/**
 * `engines.node` tells the truth: every installed package (run-time and development) accepts the
 * oldest Node the project declares, so `npm ci` prints no EBADENGINE warning on it.
 */
describe('engines', () => {
  const root = join(__dirname, '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

  it('should declare a Node range that every locked package accepts', () => {
    const oldest = minVersion(pkg.engines.node)!.version;
    const refusing = Object.entries<{ engines?: { node?: string } }>(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines?.node)
      .filter(([, entry]) => !satisfies(oldest, entry.engines!.node!))
      .map(([path, entry]) => `${path} wants node ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
  });

  it('should run on the Node it declares', () => {
    expect(satisfies(process.version, pkg.engines.node)).toBe(true);
  });
});
