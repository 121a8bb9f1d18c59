/** The one place that reads the process environment; everything else receives parsed config. */
export function readEnv(): Record<string, string | undefined> {
  return { ...process.env };
}
