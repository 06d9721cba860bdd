// Whether a process is still running, by its pid: signal 0 checks without touching it. EPERM means
// it exists but belongs to another user, so it counts as alive.
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
