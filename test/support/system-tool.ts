/**
 * System tools some tests need (installed by .ci/run). With CI=true a missing tool fails the test; elsewhere
 * the test is reported as skipped with the command that installs the tool. No other test skips.
 */
import { accessSync, constants } from 'node:fs';

export interface SystemTool {
  readonly path: string | undefined;
  /** Vitest title suffix telling how to get the tool when it is missing. */
  readonly skipNote: string;
  /** True when the test must be skipped (tool missing and not in CI). */
  readonly skip: boolean;
}

export function systemTool(candidates: readonly string[], install: string): SystemTool {
  const path = candidates.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  const inCi = process.env.CI === 'true' || process.env.CI === '1';
  return {
    path,
    skip: path === undefined && !inCi,
    skipNote: path === undefined ? ` (needs ${candidates[0] ?? ''}: ${install})` : '',
  };
}

/** Throws a clear error when the tool is missing (reached only in CI, where it must be there). */
export function requireTool(tool: SystemTool, install: string): string {
  if (tool.path === undefined)
    throw new Error(`required system tool missing in CI; .ci/run must install it: ${install}`);
  return tool.path;
}
