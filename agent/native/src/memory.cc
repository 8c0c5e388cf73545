// Handing memory back to the OS once bulk traffic is over. Relayed chunks are ArrayBuffers outside
// the JS heap: they die young but are only freed by a full collection, and glibc then keeps the
// freed blocks in its heaps. collectGarbage() runs V8's low-memory collection (full GCs, new space
// shrunk); trimHeap() (called a little later, once the buffers' backing stores were freed) returns
// the free pages of every malloc arena with malloc_trim.
#include "addon.h"

#include <v8.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static Napi::Value CollectGarbage(const Napi::CallbackInfo &info) {
  v8::Isolate *isolate = v8::Isolate::GetCurrent();
  if (isolate != nullptr) isolate->LowMemoryNotification();
  return info.Env().Undefined();
}

// Returns whether any memory was released (always false without glibc).
static Napi::Value TrimHeap(const Napi::CallbackInfo &info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

void RegisterMemory(Napi::Env env, Napi::Object exports) {
  exports.Set("collectGarbage", Napi::Function::New(env, CollectGarbage));
  exports.Set("trimHeap", Napi::Function::New(env, TrimHeap));
}
