// Entry of dist/kmirror-agent.js: `node dist/kmirror-agent.js --target pid/N|netns/NAME --listen 127.0.0.1:0`.
import { reportFatal, runAgent } from './run.js';

runAgent(process.argv.slice(2)).catch(reportFatal);
