// The settings that decide where registry connections go (the proxy, plain-http registries), and how
// a restricted setting is read. Apart from settings.ts so that the extension's loader can read them
// before the bundle loads (src/extensionLoader.ts) without carrying the rest.
import * as vscode from 'vscode';
import { userLevel } from '../config/restrictedSetting';
import type { ProxySetting } from '../registry/transport/proxy';

export const SECTION = 'imagePromotion';

/**
 * Settings that decide which files are read or written, which engine is used, or where credentials
 * travel in clear. They are `capabilities.untrustedWorkspaces.restrictedConfigurations` in
 * package.json, and in Restricted Mode only the user's own value counts (see userLevel).
 */
export const RESTRICTED_SETTINGS = ['configFile', 'dockerHost', 'historyFile', 'insecureRegistries', 'caFiles', 'signingKey'] as const;

/** A restricted setting's value: all levels in a trusted workspace, the user's own otherwise. */
export function restricted(name: (typeof RESTRICTED_SETTINGS)[number], folder?: vscode.Uri): unknown {
  const configuration = vscode.workspace.getConfiguration(SECTION, folder);
  return userLevel(configuration.inspect(name), vscode.workspace.isTrusted, () => configuration.get(name));
}

/** Hosts (`host:port`) reached over plain HTTP besides loopback ones. */
export function insecureRegistries(): readonly string[] {
  const value = restricted('insecureRegistries');
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** VS Code's own http.proxy for registry requests; undefined when empty (then HTTP(S)_PROXY / NO_PROXY). */
export function proxySetting(): ProxySetting | undefined {
  // The user's own values only: a workspace must not send registry traffic (and credentials, over
  // plain http) through a proxy of its choosing.
  const http = vscode.workspace.getConfiguration('http');
  const user = <T>(name: string): T | undefined => http.inspect<T>(name)?.globalValue ?? http.inspect<T>(name)?.defaultValue;
  // "off": VS Code's proxy support is turned off for extensions; the environment still decides.
  if (user<string>('proxySupport') === 'off') return undefined;
  const url = user<string>('proxy');
  if (typeof url !== 'string' || !url.trim()) return undefined;
  const noProxy = user<unknown>('noProxy');
  return {
    url: url.trim(),
    noProxy: Array.isArray(noProxy) ? noProxy.filter((v): v is string => typeof v === 'string') : [],
    strictSSL: user<boolean>('proxyStrictSSL') !== false,
    source: 'the http.proxy setting',
    noProxySource: 'http.noProxy',
  };
}
