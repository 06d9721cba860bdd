// The label selectors omni-get passes to `omnictl get --selector`: comma-separated terms, each
// `key`, `!key`, or `key=value` / `key==value` / `key!=value`, with keys and values in the
// Kubernetes label syntax (an optional DNS-subdomain prefix and "/", then a name of letters, digits,
// '-', '_' and '.' that starts and ends with a letter or digit; a value has the name's syntax or is
// empty). Exact syntax rather than "starts with a letter": a term can then never be a path (no
// leading '/', no '..' segment, at most one '/'), a flag or a second argument.
const NAME = "[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?";
const DNS_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const KEY = `(?:${DNS_LABEL}(?:\\.${DNS_LABEL})*/)?${NAME}`;
const TERM = `(?:!${KEY}|${KEY}(?:(?:==|!=|=)(?:${NAME})?)?)`;

export const LABEL_SELECTOR = new RegExp(`^${TERM}(?:,${TERM})*$`);
