// Sockets inside another network namespace (placeholder until the foundation lands).
#include "addon.h"
void RegisterNetns(Napi::Env env, Napi::Object exports) {}
