// Tunnel compatibility (rules at the top of tunnel.proto): proto/gen/tunnel.json may only ADD to
// proto/snapshot/tunnel.json. After an additive change, refresh the snapshot with
// `cp proto/gen/tunnel.json proto/snapshot/tunnel.json`.
import { describeProtoCompatibility } from './compat-check.js';

describeProtoCompatibility('tunnel');
