import { Command, CommanderError } from 'commander';
import { addAuditCommands } from './cli/audit.js';
import { CliError } from './cli/client.js';
import { clientFrom, clientOptions, type Out } from './cli/common.js';
import { addFollowCommands } from './cli/follow.js';
import { addKeyCommands } from './cli/key.js';
import { addModelCommands } from './cli/model.js';
import { addNetworkCommands } from './cli/network.js';
import { addServeCommand } from './cli/serve.js';
import { addSystemCommand } from './cli/system.js';
import { addTritonCommands } from './cli/triton.js';
import { addUsageCommands } from './cli/usage.js';
import { ConfigError } from './base/config.js';
import { DatabaseTooNewError } from './db/database.js';
import { VERSION } from './base/version.js';

const consoleOut: Out = { log: (s) => console.log(s), error: (s) => console.error(s) };

/** The `hearth` command: each group lives in server/cli/; the order here is the order of --help. */
export function buildCli(out: Out = consoleOut): Command {
  const program = new Command('hearth')
    .description('Hearth: an on-prem ONNX model server speaking the Open Inference Protocol (KServe v2 / Triton).')
    .version(VERSION)
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => out.log(s.trimEnd()), writeErr: (s) => out.error(s.trimEnd()) })
    .exitOverride();

  const helpers = { clientOptions, clientFrom };
  addServeCommand(program, out);
  addModelCommands(program, out, helpers);
  addKeyCommands(program, out, helpers);
  addAuditCommands(program, out, helpers);
  addUsageCommands(program, out, helpers);
  addSystemCommand(program, out, helpers);
  addNetworkCommands(program, out, helpers);
  addFollowCommands(program, out, helpers);
  addTritonCommands(program, out, helpers);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], out: Out = consoleOut): Promise<number> {
  const program = buildCli(out);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError || err instanceof ConfigError || err instanceof DatabaseTooNewError) {
      out.error(`hearth: ${err.message}`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      out.error(`hearth: the port is already in use (${e.message}). Another program (perhaps another Hearth) listens there; Hearth will not share it. Stop that program or choose another port with --port.`);
      return 1;
    }
    out.error(`hearth: ${e.message ?? String(err)}`);
    return 1;
  }
}
