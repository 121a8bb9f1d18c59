/** Bull Board's page of one job, under the dashboard's base URL. */
export function dashboardJobUrl(base: string, queue: string, jobId: string): string {
  return `${base.replace(/\/+$/, '')}/queue/${encodeURIComponent(queue)}/${encodeURIComponent(jobId)}`;
}
