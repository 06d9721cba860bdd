// The environment a child CLI gets: an allowlist, not a denylist. `TAG` is dropped because it
// silently changes the installer image talosctl gen config writes; credentials of other systems
// never reach a child; an Omni key only arrives through `extra` when a tool asks for it.
const KEEP = [/^PATH$/, /^HOME$/, /^LANG$/, /^LC_[A-Z]+$/, /^TZ$/, /^TMPDIR$/, /^SSL_CERT_(FILE|DIR)$/, /^(HTTPS?|NO)_PROXY$/i, /^TALOS_HOME$/];

export function buildChildEnv(parent: NodeJS.ProcessEnv, extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && KEEP.some((pattern) => pattern.test(key))) env[key] = value;
  }
  // A CLI that would open a browser for a login prints the URL instead of blocking.
  env.BROWSER = "echo";
  env.NO_COLOR = "1";
  return { ...env, ...extra };
}
