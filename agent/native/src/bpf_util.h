// Helpers shared by the BPF concern of the addon (bpf*.cc): errno-coded JS errors, a registry of
// native handles addressed by small integer ids, running a function on a helper thread that has
// entered a network namespace, and a Promise-returning async worker.
#pragma once
#include <napi.h>
#include <cerrno>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace km {

// An error with the errno's name as `code` (EPERM, ENOENT...) and a message naming the step.
struct Failure {
  int err = 0;  // errno, 0 = no errno
  std::string message;
};
Failure MakeFailure(const std::string &step, int err);
Napi::Error ToJsError(Napi::Env env, const Failure &f);
// Throws into JS and returns undefined (NAPI_DISABLE_CPP_EXCEPTIONS style).
Napi::Value ThrowFailure(Napi::Env env, const Failure &f);
Napi::Value ThrowTypeError(Napi::Env env, const std::string &message);

// Inode of a netns file (or of the netns a socket fd lives in, via SIOCGSKNS); 0 on failure.
uint64_t NetnsInoOfPath(const std::string &path);
uint64_t NetnsInoOfSocket(int fd);

// Runs fn on a fresh std::thread that setns()es into the netns at nsPath (never the Node main
// thread or a libuv worker); returns fn's failure, or the setns failure.
bool RunInNetns(const std::string &nsPath, const std::function<bool(Failure &)> &fn, Failure &out);

// Runs `work` on the libuv pool and settles a Promise with `done(env)` or the failure.
Napi::Promise RunAsync(Napi::Env env, const char *name, std::function<bool(Failure &)> work,
                       std::function<Napi::Value(Napi::Env)> done);

// tcx links of one program on every interface of a netns (raw BPF_LINK_CREATE: libbpf 1.1 has
// no tcx API; kernel >= 6.6). Attach() runs inside the netns on a helper thread, where ifindexes
// and the kernel's device lookup resolve; it skips interfaces already attached.
constexpr int kBpfTcxIngress = 46;  // BPF_TCX_INGRESS
constexpr int kBpfTcxEgress = 47;   // BPF_TCX_EGRESS
struct TcxLinks {
  std::map<int, int> links;  // ifindex -> link fd
  std::map<int, std::string> names;
  bool Attach(const std::string &nsPath, int progFd, int attachType, Failure &f);
  Napi::Array Names(Napi::Env env) const;
  void DetachAll();
  TcxLinks() = default;
  TcxLinks(const TcxLinks &) = delete;
  TcxLinks &operator=(const TcxLinks &) = delete;
  ~TcxLinks() { DetachAll(); }
};

// Adds (on) or removes (!on) `key` in the map at fd; removing an absent key is not an error.
// Returns undefined, or throws "<mapName> update|delete" with the errno.
Napi::Value UpdateOrDeleteElem(Napi::Env env, int fd, const void *key, const void *value, bool on, const std::string &mapName);

// Sets out[names[k]] to counter k of a per-CPU array, summed over CPUs, for k < count.
void SumPerCpuCounters(Napi::Env env, int fd, const char *const *names, uint32_t count, Napi::Object out);

// Parses "a.b.c.d" or an IPv6 literal into 16 bytes (IPv4 v4-mapped); false when invalid.
bool ParseAddress16(const std::string &text, uint8_t out[16], bool *isV4);

// Integer handles for native objects owned by JS through explicit close calls. Async work on a
// handle holds a Share() reference, so a close during that work frees it only when it is done.
template <typename T>
class Registry {
 public:
  uint32_t Add(std::unique_ptr<T> item) {
    uint32_t id = next_++;
    items_[id] = std::shared_ptr<T>(std::move(item));
    return id;
  }
  T *Get(uint32_t id) {
    auto it = items_.find(id);
    return it == items_.end() ? nullptr : it->second.get();
  }
  std::shared_ptr<T> Share(uint32_t id) {
    auto it = items_.find(id);
    return it == items_.end() ? nullptr : it->second;
  }
  std::shared_ptr<T> Take(uint32_t id) {
    auto it = items_.find(id);
    if (it == items_.end()) return nullptr;
    auto item = std::move(it->second);
    items_.erase(it);
    return item;
  }
  void Clear() { items_.clear(); }

 private:
  uint32_t next_ = 1;
  std::map<uint32_t, std::shared_ptr<T>> items_;
};

void RegisterBpfSteal(Napi::Env env, Napi::Object exports);
void RegisterBpfMirror(Napi::Env env, Napi::Object exports);
void RegisterBpfTrace(Napi::Env env, Napi::Object exports);
// Called when the Node environment shuts down: joins threads, closes every link and object.
void CloseAllSteal();
void CloseAllMirror();
void CloseAllTrace();

}  // namespace km
