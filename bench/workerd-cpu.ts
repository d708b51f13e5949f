/**
 * CPU time of the workerd process that Miniflare spawns, read from /proc. Cloudflare bills a
 * Worker's CPU time, and on a shared machine CPU per request holds still where request rate
 * does not. The load generator runs in this Node process, so it is never counted.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat (100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())

/** The fields of /proc/<pid>/stat after the command name, which may itself hold spaces or ')'. */
function statFields(pid: number): { comm: string; fields: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const close = stat.lastIndexOf(')')
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    fields: stat
      .slice(close + 2)
      .trim()
      .split(' '),
  }
}

/**
 * The pid of the one workerd that this process started. Miniflare spawns the binary directly
 * (MINIFLARE_WORKERD_PATH may rename it, so the command line counts too).
 */
export function findWorkerdPid(parentPid = process.pid): number {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    try {
      const { comm, fields } = statFields(pid)
      // fields[1] is field 4 of stat, the parent pid.
      if (Number(fields[1]) !== parentPid) continue
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
      if (comm === 'workerd' || (cmdline[0]?.endsWith('workerd') && cmdline[1] === 'serve')) found.push(pid)
    } catch {
      // The process ended while we looked.
    }
  }
  if (found.length !== 1)
    throw new Error(`expected one workerd child of ${parentPid}, found ${found.length}: ${found.join(', ')}`)
  return found[0]!
}

/** utime + stime (fields 14 and 15 of /proc/<pid>/stat) of every thread of the process, in clock ticks. */
export function readCpuTicks(pid: number): number {
  const { fields } = statFields(pid)
  return Number(fields[11]) + Number(fields[12])
}

/**
 * Clock ticks that every process on the machine spent in user and system mode (the first line of
 * /proc/stat), so that a run can say how much of the machine other processes took. Interrupt time,
 * which loopback traffic makes but no process is billed for, is left out.
 */
export function readMachineProcessTicks(): number {
  const [user, nice, system] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1, 4)
    .map(Number)
  return user! + nice! + system!
}

/** Resident memory of the process, in bytes. */
export function readRssBytes(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  if (!kib) throw new Error(`no VmRSS for ${pid}`)
  return Number(kib) * 1024
}
