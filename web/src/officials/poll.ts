// Follow a background job until it ends: GET /jobs/{id} every `intervalMs`.
import type { OfficialsClient } from "@/api/officials";
import type { Job } from "@/api/officials-types";

export const FINISHED = new Set<Job["status"]>(["succeeded", "failed", "cancelled"]);

export async function followJob(
  client: Pick<OfficialsClient, "job">,
  job: Job,
  onUpdate: (job: Job) => void,
  options: { intervalMs?: number; sleep?: (ms: number) => Promise<void>; stopped?: () => boolean } = {},
): Promise<Job> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let current = job;
  onUpdate(current);
  while (!FINISHED.has(current.status) && !options.stopped?.()) {
    await sleep(options.intervalMs ?? 1000);
    current = await client.job(current.id);
    onUpdate(current);
  }
  return current;
}
