// Layer channel compatibility (rules at the top of layer.proto): proto/gen/layer.json may only ADD
// to proto/snapshot/layer.json. After an additive change, refresh the snapshot with
// `cp proto/gen/layer.json proto/snapshot/layer.json`.
import { describeProtoCompatibility } from './compat-check.js';

describeProtoCompatibility('layer');
