// Implementation of bpf_util.h (errors, netns helper thread, async Promise worker, map edits).
#include "bpf_util.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <vector>

namespace km {

Failure MakeFailure(const std::string &step, int err) {
  Failure f;
  f.err = err;
  f.message = err ? step + ": " + strerror(err) : step;
  return f;
}

Napi::Error ToJsError(Napi::Env env, const Failure &f) {
  Napi::Error e = Napi::Error::New(env, f.message);
  if (f.err) {
    const char *name = strerrorname_np(f.err);
    e.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
    e.Set("errno", Napi::Number::New(env, f.err));
  }
  return e;
}

Napi::Value ThrowFailure(Napi::Env env, const Failure &f) {
  ToJsError(env, f).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowTypeError(Napi::Env env, const std::string &message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return env.Undefined();
}

uint64_t NetnsInoOfPath(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) ? 0 : st.st_ino;
}

uint64_t NetnsInoOfSocket(int fd) {
  int nsfd = ioctl(fd, SIOCGSKNS);
  if (nsfd < 0) return 0;
  struct stat st;
  uint64_t ino = fstat(nsfd, &st) ? 0 : st.st_ino;
  close(nsfd);
  return ino;
}

bool RunInNetns(const std::string &nsPath, const std::function<bool(Failure &)> &fn, Failure &out) {
  bool ok = false;
  std::thread t([&] {
    int target = open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) { out = MakeFailure("open netns " + nsPath, errno); return; }
    struct stat want, have;
    // Already there (an agent inside the pod): no setns, which would need CAP_SYS_ADMIN.
    bool same = fstat(target, &want) == 0 && stat("/proc/thread-self/ns/net", &have) == 0 &&
                want.st_ino == have.st_ino && want.st_dev == have.st_dev;
    if (!same && setns(target, CLONE_NEWNET)) {
      out = MakeFailure("setns " + nsPath, errno);
      close(target);
      return;
    }
    close(target);
    // The thread ends right after fn: no need to switch back to the original namespace.
    ok = fn(out);
  });
  t.join();
  return ok;
}

namespace {
class PromiseWorker : public Napi::AsyncWorker {
 public:
  PromiseWorker(Napi::Env env, const char *name, std::function<bool(Failure &)> work,
                std::function<Napi::Value(Napi::Env)> done)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), done_(std::move(done)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }
  void Execute() override { ok_ = work_(failure_); }
  void OnOK() override {
    Napi::Env env = Env();
    if (!ok_) { deferred_.Reject(ToJsError(env, failure_).Value()); return; }
    deferred_.Resolve(done_(env));
  }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::function<bool(Failure &)> work_;
  std::function<Napi::Value(Napi::Env)> done_;
  Failure failure_;
  bool ok_ = false;
};
}  // namespace

Napi::Promise RunAsync(Napi::Env env, const char *name, std::function<bool(Failure &)> work,
                       std::function<Napi::Value(Napi::Env)> done) {
  auto *w = new PromiseWorker(env, name, std::move(work), std::move(done));
  Napi::Promise p = w->Promise();
  w->Queue();  // deleted by node-addon-api after OnOK/OnError
  return p;
}

Napi::Value UpdateOrDeleteElem(Napi::Env env, int fd, const void *key, const void *value, bool on, const std::string &mapName) {
  if (on) {
    if (bpf_map_update_elem(fd, key, value, BPF_ANY)) return ThrowFailure(env, MakeFailure(mapName + " update", errno));
  } else if (bpf_map_delete_elem(fd, key) && errno != ENOENT) {
    return ThrowFailure(env, MakeFailure(mapName + " delete", errno));
  }
  return env.Undefined();
}

void SumPerCpuCounters(Napi::Env env, int fd, const char *const *names, uint32_t count, Napi::Object out) {
  int ncpu = libbpf_num_possible_cpus();
  std::vector<uint64_t> vals(ncpu > 0 ? ncpu : 1);
  for (uint32_t k = 0; k < count; k++) {
    uint64_t sum = 0;
    if (bpf_map_lookup_elem(fd, &k, vals.data()) == 0)
      for (uint64_t v : vals) sum += v;
    out.Set(names[k], Napi::Number::New(env, (double)sum));
  }
}

bool ParseAddress16(const std::string &text, uint8_t out[16], bool *isV4) {
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &v4, 4);
    if (isV4) *isV4 = true;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out) == 1) {
    if (isV4) *isV4 = false;
    return true;
  }
  return false;
}

bool TcxLinks::Attach(const std::string &nsPath, int progFd, int attachType, Failure &f) {
  return RunInNetns(nsPath, [&](Failure &e) {
    struct if_nameindex *ifs = if_nameindex();
    if (!ifs) { e = MakeFailure("if_nameindex in " + nsPath, errno); return false; }
    bool ok = true;
    for (struct if_nameindex *i = ifs; i->if_index != 0; i++) {
      int idx = (int)i->if_index;
      if (links.count(idx)) continue;
      int link = bpf_link_create(progFd, idx, (enum bpf_attach_type)attachType, nullptr);
      if (link < 0) {
        e = MakeFailure(std::string(attachType == kBpfTcxEgress ? "tcx egress" : "tcx ingress") + " attach to " + i->if_name, -link);
        ok = false;
        break;
      }
      links[idx] = link;
      names[idx] = i->if_name;
    }
    if_freenameindex(ifs);
    return ok;
  }, f);
}

Napi::Array TcxLinks::Names(Napi::Env env) const {
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto &n : names) out.Set(i++, Napi::String::New(env, n.second));
  return out;
}

void TcxLinks::DetachAll() {
  for (auto &l : links) close(l.second);
  links.clear();
  names.clear();
}

}  // namespace km
