// How a failure reads on stderr: "posterity accept: ids[0]: poster ids use …". The dispatcher
// names the channel of a refused call ("model.accept: ids[0]: …"); the CLI names the command.
import { contract } from '../../shared/api'

/** The message without a leading "domain.command: " that names a channel of the contract. */
export function cliMessage(message: string): string {
  const m = /^(\w+)\.(\w+): /.exec(message)
  if (!m || !Object.hasOwn(contract, m[1])) return message
  const commands = contract[m[1] as keyof typeof contract] as Record<string, unknown>
  return Object.hasOwn(commands, m[2]) ? message.slice(m[0].length) : message
}
