// A BPF ring buffer drained on a native thread into batches handed to JS through a
// ThreadSafeFunction. The thread polls every few ms rather than relying on per-record wake-ups
// (the producers submit with BPF_RB_NO_WAKEUP below a fill threshold). Batch format (one Buffer per call): repeated { u32 little-endian length,
// record bytes }. Memory is bounded: when JS lags by more than maxPendingBytes the thread stops
// draining, the kernel ring fills and the BPF side counts drops. (km_mirror has its own copy of
// this loop in bpf_mirror.cc; this one serves km_trace.)
#pragma once
#include <bpf/libbpf.h>
#include <napi.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "bpf_util.h"

namespace km {

class RingReader {
 public:
  // Call on the JS thread: the callback receives each batch as a Buffer.
  RingReader(Napi::Env env, Napi::Function onBatch, const char *name, size_t maxPendingBytes);
  ~RingReader();
  // Any thread: creates the libbpf ring buffer over the map fd.
  bool Open(int mapFd, Failure &f);
  // JS thread, after Open: starts the draining thread.
  void Start();
  // Joins the thread after it drained the ring, then queues an empty batch behind the last one
  // (the caller's sign that every record has been delivered) and releases the callback. Idempotent.
  void Stop();
  size_t Pending() const { return pending_->load(); }

  RingReader(const RingReader &) = delete;
  RingReader &operator=(const RingReader &) = delete;

 private:
  using Batch = std::vector<uint8_t>;
  static int OnRecord(void *ctx, void *data, size_t size);
  void Loop();
  void Flush();

  ring_buffer *rb_ = nullptr;
  int stop_fd_ = -1;
  std::thread thread_;
  bool tsfn_live_ = false;
  Napi::ThreadSafeFunction tsfn_;
  std::shared_ptr<std::atomic<size_t>> pending_ = std::make_shared<std::atomic<size_t>>(0);
  size_t max_pending_;
  Batch batch_;
};

}  // namespace km
