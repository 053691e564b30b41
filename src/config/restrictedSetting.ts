// How a restricted setting is read: in Restricted Mode only the user's own value counts.

/** What VS Code's `inspect()` reports for a setting, as far as this reads it. */
export interface InspectedSetting {
  readonly defaultValue?: unknown;
  readonly globalValue?: unknown;
}

/**
 * A restricted setting's value: whatever VS Code merges (`get()`) in a trusted workspace, else the
 * user (or default) value. VS Code itself leaves restricted workspace values out in Restricted Mode
 * once the extension declares them; this does not depend on it, so a value from the workspace
 * (`.vscode/settings.json`, a `.code-workspace` file, a folder setting) can never decide there.
 */
export function userLevel(inspected: InspectedSetting | undefined, trusted: boolean, merged: () => unknown): unknown {
  if (trusted) return merged();
  return inspected?.globalValue ?? inspected?.defaultValue;
}
