// See bpf_ring_reader.h.
#include "bpf_ring_reader.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>

namespace km {
namespace {
constexpr size_t kFlushBytes = 256u << 10;
// The producers submit without a wake-up (a wake-up per record costs the traced task an IPI) and
// wake the reader only past a fill threshold: the reader polls this often, so a lone event still
// arrives within this delay.
constexpr int kPollMs = 20;
}

RingReader::RingReader(Napi::Env env, Napi::Function onBatch, const char *name, size_t maxPendingBytes) : max_pending_(maxPendingBytes) {
  tsfn_ = Napi::ThreadSafeFunction::New(env, onBatch, name, 0, 1);
  tsfn_.Unref(env);  // the agent's own handles keep the process alive, not the reader
  tsfn_live_ = true;
}

RingReader::~RingReader() {
  Stop();
  if (rb_) ring_buffer__free(rb_);
  if (stop_fd_ >= 0) close(stop_fd_);
}

bool RingReader::Open(int mapFd, Failure &f) {
  rb_ = ring_buffer__new(mapFd, OnRecord, this, nullptr);
  if (!rb_) { f = MakeFailure("ring_buffer__new", errno); return false; }
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) { f = MakeFailure("eventfd", errno); return false; }
  return true;
}

void RingReader::Start() {
  if (rb_ && !thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void RingReader::Stop() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    if (write(stop_fd_, &one, sizeof one) < 0) { /* the loop also wakes every kPollMs */ }
    thread_.join();
  }
  if (tsfn_live_) {
    if (rb_) {  // what the producers wrote before they were detached
      ring_buffer__consume(rb_);
      Flush();
    }
    auto *marker = new Batch();
    if (tsfn_.NonBlockingCall(marker, [](Napi::Env env, Napi::Function cb, Batch *b) {
          if (env != nullptr) cb.Call({Napi::Buffer<uint8_t>::New(env, 0)});
          delete b;
        }) != napi_ok) delete marker;
    tsfn_.Release();
    tsfn_live_ = false;
  }
}

int RingReader::OnRecord(void *ctx, void *data, size_t size) {
  auto *r = static_cast<RingReader *>(ctx);
  uint32_t len = (uint32_t)size;
  const uint8_t *p = static_cast<const uint8_t *>(data);
  r->batch_.insert(r->batch_.end(), reinterpret_cast<uint8_t *>(&len), reinterpret_cast<uint8_t *>(&len) + 4);
  r->batch_.insert(r->batch_.end(), p, p + size);
  return 0;
}

void RingReader::Flush() {
  if (batch_.empty()) return;
  auto *b = new Batch(std::move(batch_));
  batch_ = Batch();
  size_t size = b->size();
  std::shared_ptr<std::atomic<size_t>> pending = pending_;  // outlives this reader if a call is queued
  *pending += size;
  auto status = tsfn_.NonBlockingCall(b, [pending, size](Napi::Env env, Napi::Function cb, Batch *b) {
    if (env != nullptr) {
      Napi::Buffer<uint8_t> buf = Napi::Buffer<uint8_t>::New(env, b->data(), b->size(), [](Napi::Env, uint8_t *, Batch *hint) { delete hint; }, b);
      cb.Call({buf});
    } else {
      delete b;
    }
    *pending -= size;
  });
  if (status != napi_ok) { *pending -= size; delete b; }
}

void RingReader::Loop() {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u32 = 1;
  epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(rb_), &ev);
  ev.data.u32 = 2;
  epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd_, &ev);
  for (;;) {
    if (pending_->load() > max_pending_) {  // JS lags: let the kernel ring absorb (and count drops)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      uint64_t v;
      if (read(stop_fd_, &v, sizeof v) == sizeof v) break;
      continue;
    }
    epoll_event evs[2];
    int n = epoll_wait(ep, evs, 2, kPollMs);  // on timeout too: records submitted without a wake-up
    bool stop = false;
    for (int i = 0; i < n; i++) stop |= evs[i].data.u32 == 2;
    if (stop) break;
    for (;;) {  // drain in slices so a burst reaches JS in bounded batches
      int got = ring_buffer__consume(rb_);
      if (got <= 0) break;
      if (batch_.size() >= kFlushBytes) Flush();
      if (batch_.size() < kFlushBytes) break;
    }
    Flush();
  }
  close(ep);
}

}  // namespace km
