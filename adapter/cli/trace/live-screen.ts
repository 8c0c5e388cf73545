// Paints LiveTraceView frames on a terminal in place: four frames a second (rates move even when
// no event arrives), each one
// moving the cursor back over the previous frame and clearing below it, so the table updates
// where it stands and the last frame stays on screen when the trace ends.
import type { WriteStream } from 'node:tty';
import type { LiveTraceView } from './live-view.js';

const FRAME_INTERVAL_MS = 250;

export class LiveScreen {
  private previousLines = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly view: LiveTraceView, private readonly out: WriteStream) {}

  start(): void {
    this.out.write('\x1b[?25l'); // hide the cursor while frames are drawn
    this.paint();
    this.timer = setInterval(() => this.paint(), FRAME_INTERVAL_MS);
    this.out.on('resize', this.onResize);
  }

  private readonly onResize = (): void => {
    // A resize reflows what is on screen: clear it all rather than guess what moved.
    this.out.write('\x1b[2J\x1b[H');
    this.previousLines = 0;
    this.paint();
  };

  paint(): void {
    const width = Math.max(20, (this.out.columns || 80) - 1);
    const height = Math.max(4, (this.out.rows || 24) - 1);
    const lines = this.view.render(width, height);
    const up = this.previousLines > 0 ? `\x1b[${this.previousLines}F` : '';
    this.out.write(`${up}\x1b[J${lines.join('\n')}\n`);
    this.previousLines = lines.length;
  }

  stop(): void {
    clearInterval(this.timer);
    this.out.off('resize', this.onResize);
    this.paint();
    this.out.write('\x1b[?25h');
  }
}
