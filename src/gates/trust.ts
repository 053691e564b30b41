// What a gate that needs a trusted workspace says in Restricted Mode.

/** `<what> only in a trusted workspace; …how to trust the folder`. */
export function untrustedReason(what: string): string {
  return `${what} only in a trusted workspace; this folder is in Restricted Mode. Trust it with "Workspaces: Manage Workspace Trust", then promote again`;
}
