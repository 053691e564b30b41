// "Sign In to Registry…" / "Sign Out of Registry…": the flow is src/app/signIn.ts; here it gets the
// person's interaction, VS Code's SecretStorage, its GitHub session for ghcr.io, and a progress
// notification around the check. Afterwards the Docker config's cached answers are dropped and the
// views refreshed, so rows that said "credentials missing" are read again.
import * as vscode from 'vscode';
import { signIn, signOut, type SignedIn, type SignInDeps } from '../../app/signIn';
import type { AppServices } from '../../app/services';
import type { UserInteraction } from '../interaction';
import { withCancellableProgress } from '../progress';
import type { SecretCredentials } from '../secretCredentials';
import type { Workspaces } from '../workspaces';

export interface SignInCommandDeps {
  readonly app: AppServices;
  readonly secrets: SecretCredentials;
  readonly workspaces: Workspaces;
  readonly interaction: () => UserInteraction;
  readonly log: vscode.LogOutputChannel;
  readonly refresh: () => Promise<void>;
}

export async function signInCommand(deps: SignInCommandDeps): Promise<SignedIn | undefined> {
  const flow: SignInDeps = {
    prompts: deps.interaction(),
    store: deps.secrets,
    log: deps.log,
    check: (registry, credentials) =>
      withCancellableProgress(`Checking the credentials with ${registry}…`, (_report, signal) => deps.app.checkSignIn(registry, credentials, signal)),
    gitHubSession: async (scopes) => {
      try {
        return await vscode.authentication.getSession('github', [...scopes], { createIfNone: true });
      } catch (error) {
        // Declining VS Code's "allow … to sign in using GitHub" is a cancellation, not a failure.
        if (/did not consent|cancel/i.test((error as Error).message)) return undefined;
        throw error;
      }
    },
  };
  const done = await signIn(flow, configuredRegistries(deps.workspaces));
  if (!done) return undefined;
  deps
    .interaction()
    .inform(
      done.check === 'accepted'
        ? `Signed in to ${done.registry} as ${done.username}.`
        : `${done.registry} asked for no credentials; they are kept for when it does.`,
    );
  await after(deps);
  return done;
}

export async function signOutCommand(deps: SignInCommandDeps): Promise<string | undefined> {
  const registry = await signOut({ prompts: deps.interaction(), store: deps.secrets, log: deps.log });
  if (!registry) return undefined;
  deps.interaction().inform(`Signed out of ${registry}. Its lookups now use the Docker config's credentials, if any.`);
  await after(deps);
  return registry;
}

async function after(deps: SignInCommandDeps): Promise<void> {
  deps.app.credentials.clear();
  await deps.refresh();
}

/** Every registry the loaded configs name (the default image's and each environment's). */
function configuredRegistries(workspaces: Workspaces): string[] {
  return workspaces.all.flatMap((ws) => {
    const state = ws.model.config;
    return state.kind === 'ready' ? [state.config.repository.registry, ...state.config.environments.map((e) => e.repository.registry)] : [];
  });
}
