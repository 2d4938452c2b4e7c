/**
 * A process's resident memory, sampled every 20 ms: the peak since the last reset. The bench asks
 * each service's process for it over IPC (`{ type: 'rss' }`, `{ type: 'rss-reset' }`).
 */
export function answerRssReadings(): void {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  timer.unref();
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'rss-reset') {
      peak = process.memoryUsage.rss();
      process.send!({ type: 'rss', current: peak, peak });
    }
    if (message.type === 'rss') process.send!({ type: 'rss', current: process.memoryUsage.rss(), peak: Math.max(peak, process.memoryUsage.rss()) });
  });
}

export interface RssReading {
  current: number;
  peak: number;
}
