/**
 * Vitest setup: property tests run with a fixed seed in CI (override with FC_SEED), so a failure there
 * is reproducible; fast-check prints the seed and counterexample of any failure.
 */
import fc from 'fast-check';

const seed =
  process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : process.env.CI ? 20261123 : undefined;
if (seed !== undefined) fc.configureGlobal({ seed });
