// Sockets inside another network namespace. Each request runs on its own native helper thread:
// open the netns file, setns(CLONE_NEWNET) -> socket() -> setns back, verify the socket's netns
// with SIOCGSKNS, then bind/listen and a non-blocking connect bounded by a timeout. The Node
// main thread and libuv's workers never change namespace. Results come back as a Promise for a
// plain non-blocking fd that JavaScript adopts (net.Socket({fd}), dgram bind({fd})).
#include "addon.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace {

struct Addr {
  std::string address;
  int port = 0;
};

struct Request {
  std::string netns;  // empty: no namespace change (connectFd)
  int family = AF_INET;
  int type = SOCK_STREAM;
  bool hasBind = false, hasConnect = false, reuseAddr = false;
  int v6only = -1;  // -1: leave the kernel default
  int listenBacklog = -1;
  Addr bind, connect;
  int timeoutMs = 10000;
  int fd = -1;  // connectFd: existing socket
};

struct Result {
  int fd = -1;
  int err = 0;          // errno of the failing step
  std::string message;  // "step: strerror"
  Addr local, remote;
  bool hasRemote = false;
  double netnsIno = 0;
};

double InoOfFd(int fd) {
  struct stat st;
  return fstat(fd, &st) ? 0 : (double)st.st_ino;
}

bool Fail(Result &r, const std::string &step, int err) {
  r.err = err;
  r.message = step + ": " + strerror(err);
  return false;
}

bool ToSockaddr(const Addr &a, int family, sockaddr_storage &ss, socklen_t &len) {
  memset(&ss, 0, sizeof ss);
  if (family == AF_UNIX) {  // an abstract name (Linux: no file; it belongs to the netns, gone with its last fd)
    auto *su = reinterpret_cast<sockaddr_un *>(&ss);
    su->sun_family = AF_UNIX;
    if (a.address.empty() || a.address.size() + 1 > sizeof su->sun_path) return false;
    memcpy(su->sun_path + 1, a.address.data(), a.address.size());
    len = offsetof(sockaddr_un, sun_path) + 1 + a.address.size();
    return true;
  }
  if (family == AF_INET6) {
    auto *s6 = reinterpret_cast<sockaddr_in6 *>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a.port);
    len = sizeof *s6;
    return inet_pton(AF_INET6, a.address.c_str(), &s6->sin6_addr) == 1;
  }
  auto *s4 = reinterpret_cast<sockaddr_in *>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(a.port);
  len = sizeof *s4;
  return inet_pton(AF_INET, a.address.c_str(), &s4->sin_addr) == 1;
}

Addr FromSockaddr(const sockaddr_storage &ss) {
  Addr a;
  char buf[INET6_ADDRSTRLEN] = "";
  if (ss.ss_family == AF_INET6) {
    auto *s6 = reinterpret_cast<const sockaddr_in6 *>(&ss);
    inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
    a.port = ntohs(s6->sin6_port);
  } else if (ss.ss_family == AF_INET) {
    auto *s4 = reinterpret_cast<const sockaddr_in *>(&ss);
    inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
    a.port = ntohs(s4->sin_port);
  }
  a.address = buf;
  return a;
}

// Creates the socket inside the namespace and checks where it landed.
bool CreateInNetns(const Request &q, Result &r) {
  int target = open(q.netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) return Fail(r, "open netns " + q.netns, errno);
  int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig < 0) { int e = errno; close(target); return Fail(r, "open own netns", e); }
  double targetIno = InoOfFd(target);
  // Already in the target netns (an ephemeral agent in the pod): no setns, so no CAP_SYS_ADMIN needed.
  bool same = InoOfFd(orig) == targetIno;
  bool ok = true;
  if (!same && setns(target, CLONE_NEWNET)) {
    ok = Fail(r, "setns " + q.netns, errno);
  } else {
    r.fd = socket(q.family, q.type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (r.fd < 0) ok = Fail(r, "socket", errno);
    // If this fails the thread is in the wrong netns, but it ends right after this request.
    if (!same && setns(orig, CLONE_NEWNET) && ok) ok = Fail(r, "setns back", errno);
  }
  close(target);
  close(orig);
  if (!ok) return false;
  // No switch happened, so the socket is in our (= the target's) netns; SIOCGSKNS needs CAP_NET_ADMIN.
  if (same) { r.netnsIno = targetIno; return true; }
  int nsfd = ioctl(r.fd, SIOCGSKNS);
  if (nsfd < 0) return Fail(r, "ioctl SIOCGSKNS", errno);
  r.netnsIno = InoOfFd(nsfd);
  close(nsfd);
  if (r.netnsIno != targetIno) {
    r.err = EPROTO;
    r.message = "socket was created in netns " + std::to_string((long long)r.netnsIno) + ", not the target " + std::to_string((long long)targetIno);
    return false;
  }
  return true;
}

// Non-blocking connect, waited for with poll() on this helper thread.
bool ConnectWithTimeout(int fd, int family, const Addr &to, int timeoutMs, Result &r) {
  sockaddr_storage ss;
  socklen_t len;
  if (!ToSockaddr(to, family, ss, len)) { r.err = EINVAL; r.message = "connect: bad address " + to.address; return false; }
  int flags = fcntl(fd, F_GETFL);
  if (!(flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (connect(fd, reinterpret_cast<sockaddr *>(&ss), len) == 0) return true;
  if (errno != EINPROGRESS) return Fail(r, "connect " + to.address + ":" + std::to_string(to.port), errno);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return Fail(r, "connect " + to.address + ":" + std::to_string(to.port), ETIMEDOUT);
    pollfd p{fd, POLLOUT, 0};
    int n = poll(&p, 1, (int)left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(r, "poll", errno);
    if (n == 0) continue;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
    if (soerr) return Fail(r, "connect " + to.address + ":" + std::to_string(to.port), soerr);
    return true;
  }
}

void Addresses(int fd, Result &r, bool wantRemote) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0) r.local = FromSockaddr(ss);
  len = sizeof ss;
  if (wantRemote && getpeername(fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0) {
    r.remote = FromSockaddr(ss);
    r.hasRemote = true;
  }
}

void Run(const Request &q, Result &r) {
  bool ok = true;
  if (q.fd >= 0) {  // connectFd
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int family = getsockname(q.fd, reinterpret_cast<sockaddr *>(&ss), &len) == 0 ? ss.ss_family : AF_INET;
    if (ConnectWithTimeout(q.fd, family, q.connect, q.timeoutMs, r)) Addresses(q.fd, r, true);
    return;
  }
  if (!CreateInNetns(q, r)) ok = false;
  int one = 1;
  if (ok && q.reuseAddr) setsockopt(r.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ok && q.v6only >= 0 && q.family == AF_INET6) setsockopt(r.fd, IPPROTO_IPV6, IPV6_V6ONLY, &q.v6only, sizeof q.v6only);
  if (ok && q.hasBind) {
    sockaddr_storage ss;
    socklen_t len;
    if (!ToSockaddr(q.bind, q.family, ss, len)) { r.err = EINVAL; r.message = "bind: bad address " + q.bind.address; ok = false; }
    else if (bind(r.fd, reinterpret_cast<sockaddr *>(&ss), len)) ok = Fail(r, "bind " + q.bind.address + ":" + std::to_string(q.bind.port), errno);
  }
  if (ok && q.listenBacklog >= 0 && listen(r.fd, q.listenBacklog)) ok = Fail(r, "listen", errno);
  if (ok && q.hasConnect) ok = ConnectWithTimeout(r.fd, q.family, q.connect, q.timeoutMs, r);
  if (ok) Addresses(r.fd, r, q.hasConnect);
  if (!ok && r.fd >= 0) { close(r.fd); r.fd = -1; }
}

const char *ErrnoName(int err) {
  const char *name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

Napi::Object AddrToJs(Napi::Env env, const Addr &a) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("address", a.address);
  o.Set("port", Napi::Number::New(env, a.port));
  return o;
}

// Runs the request on a helper thread; the result settles the promise on the main thread.
Napi::Value Dispatch(Napi::Env env, std::shared_ptr<Request> q, bool connectOnly) {
  auto deferred = std::make_shared<Napi::Promise::Deferred>(env);
  auto result = std::make_shared<Result>();
  auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo &) {}), "kmirror-netns", 0, 1);
  std::thread([q, result, deferred, tsfn, connectOnly]() mutable {
    Run(*q, *result);
    tsfn.BlockingCall([result, deferred, connectOnly](Napi::Env env, Napi::Function) {
      if (!result->message.empty()) {
        Napi::Error e = Napi::Error::New(env, result->message);
        e.Set("code", ErrnoName(result->err));
        e.Set("errno", Napi::Number::New(env, result->err));
        deferred->Reject(e.Value());
        return;
      }
      Napi::Object o = Napi::Object::New(env);
      if (!connectOnly) {
        o.Set("fd", Napi::Number::New(env, result->fd));
        o.Set("netnsIno", Napi::Number::New(env, result->netnsIno));
      }
      o.Set("local", AddrToJs(env, result->local));
      if (result->hasRemote) o.Set("remote", AddrToJs(env, result->remote));
      deferred->Resolve(o);
    });
    tsfn.Release();
  }).detach();
  return deferred->Promise();
}

bool ReadAddr(Napi::Object o, const char *key, Addr &out) {
  if (!o.Has(key) || o.Get(key).IsUndefined() || o.Get(key).IsNull()) return false;
  Napi::Object a = o.Get(key).As<Napi::Object>();
  out.address = a.Get("address").ToString();
  out.port = a.Get("port").ToNumber().Int32Value();
  return true;
}

Napi::Value RejectWith(Napi::Env env, const std::string &message) {
  auto d = Napi::Promise::Deferred::New(env);
  Napi::Error e = Napi::TypeError::New(env, message);
  e.Set("code", "EINVAL");
  d.Reject(e.Value());
  return d.Promise();
}

// netnsSocket({netns, family (4, 6 or 'unix': bind.address is an abstract name), type, bind?, reuseAddr?, v6only?, listen?, connect?, timeoutMs?})
Napi::Value NetnsSocket(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return RejectWith(env, "netnsSocket: expected an options object");
  Napi::Object o = info[0].As<Napi::Object>();
  auto q = std::make_shared<Request>();
  if (!o.Get("netns").IsString()) return RejectWith(env, "netnsSocket: netns must be a path");
  q->netns = o.Get("netns").ToString();
  q->family = o.Get("family").IsString() ? AF_UNIX : o.Get("family").ToNumber().Int32Value() == 6 ? AF_INET6 : AF_INET;
  q->type = o.Get("type").ToString().Utf8Value() == "udp" ? SOCK_DGRAM : SOCK_STREAM;
  q->hasBind = ReadAddr(o, "bind", q->bind);
  q->hasConnect = ReadAddr(o, "connect", q->connect);
  q->reuseAddr = o.Get("reuseAddr").ToBoolean();
  if (o.Get("v6only").IsBoolean()) q->v6only = o.Get("v6only").ToBoolean() ? 1 : 0;
  if (o.Get("listen").IsNumber()) q->listenBacklog = o.Get("listen").ToNumber().Int32Value();
  if (o.Get("timeoutMs").IsNumber()) q->timeoutMs = o.Get("timeoutMs").ToNumber().Int32Value();
  return Dispatch(env, q, false);
}

// connectFd(fd, {address, port}, timeoutMs)
Napi::Value ConnectFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsObject()) return RejectWith(env, "connectFd: expected (fd, {address, port}, timeoutMs)");
  auto q = std::make_shared<Request>();
  q->fd = info[0].ToNumber().Int32Value();
  Napi::Object wrap = Napi::Object::New(env);
  wrap.Set("to", info[1]);
  ReadAddr(wrap, "to", q->connect);
  q->timeoutMs = info[2].ToNumber().Int32Value();
  return Dispatch(env, q, true);
}

Napi::Value SocketNetnsIno(const Napi::CallbackInfo &info) {
  int nsfd = ioctl(info[0].ToNumber().Int32Value(), SIOCGSKNS);
  double ino = nsfd >= 0 ? InoOfFd(nsfd) : 0;
  if (nsfd >= 0) close(nsfd);
  return Napi::Number::New(info.Env(), ino);
}

Napi::Value ThreadNetnsIno(const Napi::CallbackInfo &info) {
  struct stat st;
  return Napi::Number::New(info.Env(), stat("/proc/thread-self/ns/net", &st) ? 0 : (double)st.st_ino);
}

}  // namespace

void RegisterNetns(Napi::Env env, Napi::Object exports) {
  exports.Set("netnsSocket", Napi::Function::New(env, NetnsSocket));
  exports.Set("connectFd", Napi::Function::New(env, ConnectFd));
  exports.Set("socketNetnsIno", Napi::Function::New(env, SocketNetnsIno));
  exports.Set("threadNetnsIno", Napi::Function::New(env, ThreadNetnsIno));
}
