// systemd socket activation (sd_listen_fds(3)): the listening sockets a service manager
// passed to a long-running rkt service (api-service, metadata-service) as fds 3, 4...
import { RktError } from "../errors.js";

export const SD_LISTEN_FDS_START = 3;

/**
 * The fds passed by socket activation, or none. As sd_listen_fds(): only when LISTEN_PID
 * names this process (the variables were meant for it, not inherited from a parent), and
 * the variables are removed so that no child takes the sockets for its own.
 */
export function listenFds(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number[] {
  const count = env.LISTEN_FDS;
  const forPid = env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDNAMES;
  if (count === undefined || forPid === undefined) return [];
  if (!/^\d+$/.test(forPid) || Number(forPid) !== pid) return [];
  if (!/^\d+$/.test(count) || Number(count) < 1 || Number(count) > 64) {
    throw new RktError(`socket activation: LISTEN_FDS=${JSON.stringify(count)} is not a number of sockets (1 to 64)`);
  }
  return Array.from({ length: Number(count) }, (_, i) => SD_LISTEN_FDS_START + i);
}
