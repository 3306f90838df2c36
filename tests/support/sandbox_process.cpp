// SandboxProcess, TempDir and RunCli; see sandbox_process.h. Children are
// started with fork/exec (stdin from /dev/null, no inherited descriptors:
// every descriptor we open is O_CLOEXEC; killed if this process dies) and
// waited for through a pidfd, so every wait here is a poll() with a deadline.
#include "support/sandbox_process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

#ifndef AGENT_SANDBOX_BINARY
#error "AGENT_SANDBOX_BINARY must be defined (tests/CMakeLists.txt)"
#endif
#ifndef FIXTURES_DIR
#error "FIXTURES_DIR must be defined (tests/CMakeLists.txt)"
#endif

namespace sandbox::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::seconds kKillWait{5};

int MillisLeft(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

std::string Joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void CloseFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// A pidfd for `pid` (always close-on-exec), or -1 when the kernel has none;
// waits then re-check every 10 ms instead.
int OpenPidfd(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
#else
  (void)pid;
  return -1;
#endif
}

// Starts `argv` with stdout and stderr on the given descriptors, stdin from
// /dev/null and a clean signal state (the binary blocks SIGTERM itself and
// waits for it). fork/exec rather than posix_spawn for one reason: the child
// asks for SIGKILL when the thread that started it dies (PR_SET_PDEATHSIG;
// tests drive a process from one thread), so a crashed or killed test run
// leaves no sandbox behind. Between fork and exec the child only makes
// async-signal-safe calls; an exec failure comes back through a close-on-exec
// pipe as the child's errno.
pid_t Spawn(const std::vector<std::string>& argv, int out_fd, int err_fd) {
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    int null = ::open("/dev/null", O_RDONLY);
    bool ok = null >= 0 && ::dup2(null, 0) == 0 && ::dup2(out_fd, 1) == 1 && ::dup2(err_fd, 2) == 2;
    sigset_t none;
    sigemptyset(&none);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGCHLD}) ::sigaction(sig, &dfl, nullptr);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (ok) ::execv(cargv[0], cargv.data());
    int e = errno;
    (void)!::write(report[1], &e, sizeof e);
    ::_exit(127);
  }
  int fork_errno = errno;
  ::close(report[1]);
  if (pid < 0) {
    ::close(report[0]);
    throw std::runtime_error("cannot start " + Joined(argv) + ": fork: " + std::strerror(fork_errno));
  }
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report[0], &child_errno, sizeof child_errno);  // EOF at the exec
  } while (n < 0 && errno == EINTR);
  ::close(report[0]);
  if (n > 0) {
    ::waitpid(pid, nullptr, 0);  // it has already called _exit
    throw std::runtime_error("cannot start " + Joined(argv) + ": " + std::strerror(child_errno));
  }
  return pid;
}

// Reaps `pid` once it has exited, waiting until `deadline` at most. Returns
// the raw wait status, or nullopt when the child is still running.
std::optional<int> WaitForExit(pid_t pid, int pidfd, SteadyClock::time_point deadline) {
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return std::nullopt;  // not our child (cannot happen)
    int left = MillisLeft(deadline);
    if (left == 0) return std::nullopt;
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      ::poll(&p, 1, left);
    } else {
      ::poll(nullptr, 0, std::min(left, 10));
    }
  }
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

// Makes a pipe whose both ends are close-on-exec.
void MakePipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
}

}  // namespace

httplib::Headers AuthHeaders(const std::string& key) { return {{"Authorization", "Bearer " + key}}; }

// --- TempDir ---------------------------------------------------------------

TempDir::TempDir() {
  std::string templ = "/tmp/agent-sandbox-test-XXXXXX";
  if (!::mkdtemp(templ.data())) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::File(const std::string& name) const { return path_ + "/" + name; }

std::string TempDir::WriteFile(const std::string& name, const std::string& content) const {
  std::string path = File(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

// --- SandboxProcess --------------------------------------------------------

SandboxProcess::SandboxProcess(SandboxOptions options) {
  db_ = options.db.empty() ? dir_.File("sandbox.db") : options.db;
  stderr_path_ = dir_.File("stderr.log");
  const std::string fixtures = options.fixtures.empty() ? std::string(FIXTURES_DIR) : options.fixtures;
  std::vector<std::string> argv = {AGENT_SANDBOX_BINARY, "--port", "0", "--db", db_, "--fixtures", fixtures};
  argv.insert(argv.end(), options.args.begin(), options.args.end());

  int out[2];
  MakePipe(out);
  // stderr goes to a file, so a chatty child can never block on a full pipe.
  int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (err < 0) {
    ::close(out[0]);
    ::close(out[1]);
    throw std::runtime_error("cannot create " + stderr_path_ + ": " + std::strerror(errno));
  }
  try {
    pid_ = Spawn(argv, out[1], err);
  } catch (...) {
    ::close(out[0]);
    ::close(out[1]);
    ::close(err);
    throw;
  }
  ::close(out[1]);
  ::close(err);
  stdout_fd_ = out[0];
  pidfd_ = OpenPidfd(pid_);
  WaitForStartupLine(argv);
}

SandboxProcess::~SandboxProcess() { Stop(); }

void SandboxProcess::WaitForStartupLine(const std::vector<std::string>& argv) {
  auto fail = [&](const std::string& what, const std::string& out) {
    // Reap the child before throwing: the destructor will not run.
    if (!stopped_) {
      ::kill(pid_, SIGKILL);
      WaitForExit(pid_, pidfd_, SteadyClock::now() + kKillWait);
      stopped_ = true;
    }
    CloseFd(stdout_fd_);
    CloseFd(pidfd_);
    throw std::runtime_error(Joined(argv) + "\n  " + what + "\n  stdout: " + out + "\n  stderr: " + Stderr());
  };

  const auto deadline = SteadyClock::now() + kDefaultWait;
  std::string out;
  while (out.find('\n') == std::string::npos) {
    int left = MillisLeft(deadline);
    if (left == 0) fail("did not print its startup line within " + std::to_string(kDefaultWait.count()) + " s", out);
    pollfd p{stdout_fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, left);
    if (ready <= 0) continue;  // EINTR or timeout: the deadline check decides
    char chunk[4096];
    ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n > 0) {
      out.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      // The child closed its stdout: it is exiting.
      auto status = WaitForExit(pid_, pidfd_, SteadyClock::now() + kKillWait);
      if (status) {
        stopped_ = true;
        exit_code_ = ExitCodeOf(*status);
        fail("exited with code " + std::to_string(exit_code_) + " before printing its startup line", out);
      }
      fail("closed its stdout before printing its startup line", out);
    } else if (errno != EINTR) {
      fail(std::string("cannot read its stdout: ") + std::strerror(errno), out);
    }
  }
  startup_line_ = out.substr(0, out.find('\n'));
  static const std::regex kStartup(
      R"(^agent-sandbox \S+ serving the Middesk and Modus APIs on http://[^/ ]+:(\d+) \()");
  std::smatch m;
  if (!startup_line_.empty() && startup_line_[0] == '{') {
    // --log-format json: {"level":"info","msg":"serving",...,"port":N,...}
    const auto line = nlohmann::json::parse(startup_line_, nullptr, false);
    if (!line.is_object() || line.value("msg", "") != "serving" || !line.contains("port") ||
        !line["port"].is_number_integer()) {
      fail("printed an unexpected startup line", out);
    }
    port_ = line["port"].get<int>();
  } else {
    if (!std::regex_search(startup_line_, m, kStartup)) fail("printed an unexpected startup line", out);
    port_ = std::stoi(m[1].str());
  }
  if (port_ <= 0 || port_ > 65535) fail("announced an invalid port", out);
}

std::string SandboxProcess::Stderr() const { return ReadFile(stderr_path_); }

httplib::Client SandboxProcess::client() const {
  httplib::Client c("127.0.0.1", port_);
  c.set_connection_timeout(5);
  c.set_read_timeout(static_cast<time_t>(kDefaultWait.count()));
  c.set_write_timeout(static_cast<time_t>(kDefaultWait.count()));
  return c;
}

namespace {

HttpResponse ToResponse(const httplib::Result& r) {
  HttpResponse out;
  if (!r) {
    out.error = "no response: " + httplib::to_string(r.error());
    out.json = nlohmann::json::value_t::discarded;
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.json = nlohmann::json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  return out;
}

}  // namespace

HttpResponse SandboxProcess::Get(const std::string& path, const httplib::Headers& headers) const {
  auto c = client();
  return ToResponse(c.Get(path, headers));
}

HttpResponse SandboxProcess::Post(const std::string& path, const std::string& json_body,
                                  const httplib::Headers& headers) const {
  auto c = client();
  return ToResponse(c.Post(path, headers, json_body, "application/json"));
}

int SandboxProcess::Stop(std::chrono::milliseconds grace) {
  if (stopped_) return exit_code_;
  stopped_ = true;
  // The child is not reaped yet, so pid_ still names it (at worst a zombie).
  ::kill(pid_, SIGTERM);
  auto status = WaitForExit(pid_, pidfd_, SteadyClock::now() + grace);
  if (!status) {
    ::kill(pid_, SIGKILL);
    status = WaitForExit(pid_, pidfd_, SteadyClock::now() + kKillWait);
  }
  exit_code_ = status ? ExitCodeOf(*status) : -1;
  CloseFd(stdout_fd_);
  CloseFd(pidfd_);
  // A stop that is not clean is a finding (a sanitizer report, an abort at
  // shutdown): the child's stderr file goes away with the test, so say it here.
  if (exit_code_ != 0) std::cerr << "sandbox stopped with code " << exit_code_ << "; its stderr:\n" << Stderr() << '\n';
  return exit_code_;
}

// --- RunCli ----------------------------------------------------------------

CliResult RunCli(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  std::vector<std::string> argv = {AGENT_SANDBOX_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  int out[2], err[2];
  MakePipe(out);
  try {
    MakePipe(err);
  } catch (...) {
    ::close(out[0]);
    ::close(out[1]);
    throw;
  }
  pid_t pid = -1;
  try {
    pid = Spawn(argv, out[1], err[1]);
  } catch (...) {
    for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
    throw;
  }
  ::close(out[1]);
  ::close(err[1]);
  int pidfd = OpenPidfd(pid);

  CliResult result;
  const auto deadline = SteadyClock::now() + limit;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    int left = MillisLeft(deadline);
    if (left == 0) {
      result.timed_out = true;
      break;
    }
    if (::poll(fds, 2, left) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char chunk[4096];
      ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        sinks[i]->append(chunk, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open_fds;
      }
    }
  }
  auto status = result.timed_out ? std::nullopt : WaitForExit(pid, pidfd, deadline);
  if (!status) {
    result.timed_out = true;
    ::kill(pid, SIGKILL);
    status = WaitForExit(pid, pidfd, SteadyClock::now() + kKillWait);
  }
  result.exit_code = status ? ExitCodeOf(*status) : -1;
  ::close(out[0]);
  ::close(err[0]);
  if (pidfd >= 0) ::close(pidfd);
  return result;
}

}  // namespace sandbox::testing
