// Times as the API gives them (aware, shown in Asia/Shanghai): "2025-05-01 09:30".
export function shownTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const found = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  if (!found) return iso;
  // the API writes +08:00 times; another offset is converted to Shanghai's clock
  if (iso.endsWith("+08:00")) return `${found[1]} ${found[2]}`;
  const shanghai = new Date(Date.parse(iso) + 8 * 3600_000).toISOString();
  return `${shanghai.slice(0, 10)} ${shanghai.slice(11, 16)}`;
}

/** Today's date in Asia/Shanghai (YYYY-MM-DD), whatever the browser's zone. */
export function shanghaiToday(now: Date = new Date()): string {
  return new Date(now.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** An aware ISO time (+08:00) from a date-picker's Date (its wall clock read as Shanghai's). */
export function awareShanghai(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:00+08:00`
  );
}
