// The Action's inputs (action.yml) as the CLI's arguments. The runner passes each input as
// INPUT_<NAME>, the name upper-cased with its dashes kept (INPUT_APPROVED-BY); one left empty is ''.
// Values go to the CLI as argv, never through a shell.

export const ACTION_COMMANDS = ['status', 'check', 'promote', 'rollback', 'history'] as const;

/** Which inputs each command reads besides `command` and `config`; any other one set is a mistake. */
const READS: Readonly<Record<(typeof ACTION_COMMANDS)[number], readonly string[]>> = {
  status: [],
  history: ['environment'],
  check: ['environment', 'build', 'transport'],
  promote: ['environment', 'build', 'transport', 'approved-by', 'yes'],
  rollback: ['environment', 'transport', 'approved-by', 'yes'],
};

/** An input the Action cannot run with: the message names the input and what it takes. */
export class ActionInputError extends Error {}

export function actionInput(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
}

/** `yes` as @actions/core's getBooleanInput reads it (YAML 1.2 core schema); empty is false. */
function booleanInput(env: NodeJS.ProcessEnv, name: string): boolean {
  const value = actionInput(env, name);
  if (['', 'false', 'False', 'FALSE'].includes(value)) return false;
  if (['true', 'True', 'TRUE'].includes(value)) return true;
  throw new ActionInputError(`The input ${name} is "${value}"; it takes true or false.`);
}

export function cliArguments(env: NodeJS.ProcessEnv): string[] {
  const command = actionInput(env, 'command');
  if (!(ACTION_COMMANDS as readonly string[]).includes(command))
    throw new ActionInputError(`The input command is ${command ? `"${command}"` : 'empty'}; it takes ${ACTION_COMMANDS.join(', ')}.`);
  const reads = READS[command as (typeof ACTION_COMMANDS)[number]];
  const unused = ['environment', 'build', 'transport', 'approved-by'].filter((name) => !reads.includes(name) && actionInput(env, name));
  if (unused.length) throw new ActionInputError(`The command ${command} does not take the input${unused.length > 1 ? 's' : ''} ${unused.join(', ')}.`);
  const environment = actionInput(env, 'environment');
  if (!environment && command !== 'history' && reads.includes('environment'))
    throw new ActionInputError(`The command ${command} needs the input environment: the environment to ${command === 'check' ? 'check' : `${command} into`}.`);
  const config = actionInput(env, 'config');
  const options: string[] = [...(config ? ['--config', config] : []), command];
  for (const name of ['build', 'transport', 'approved-by']) {
    const value = actionInput(env, name);
    if (value && reads.includes(name)) options.push(`--${name}`, value);
  }
  if (reads.includes('yes') ? booleanInput(env, 'yes') : false) options.push('--yes');
  // After `--` an environment that starts with a dash is still a name, not an option.
  return environment ? [...options, '--', environment] : options;
}
