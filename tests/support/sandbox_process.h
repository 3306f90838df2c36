// Test support for the HTTP-level tests: runs the real agent-sandbox binary as
// a child process on a free loopback port (`--port 0`) and talks to it.
//
// SandboxProcess starts the binary with fork/exec, reads its stdout until
// the startup line announces the port, and stops it with SIGTERM (SIGKILL only
// as a last resort) when the test ends. Every wait is bounded and waits on a
// descriptor (poll on a pipe or a pidfd), never by sleeping. A failure to start
// throws std::runtime_error with the child's stderr, which Catch reports as the
// test's failure. Processes are only ever signalled by their own pid.
//
// Not thread safe: one test thread drives one SandboxProcess.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace sandbox::testing {

inline constexpr const char* kDefaultApiKey = "mk_test_sandbox";
inline constexpr std::chrono::seconds kDefaultWait{20};

// `Authorization: Bearer <key>`, the headers every helper sends by default.
httplib::Headers AuthHeaders(const std::string& key = kDefaultApiKey);

// A fresh directory under /tmp (mkdtemp), removed with its contents on
// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path()/name
  std::string File(const std::string& name) const;
  // Writes `content` to path()/name and returns that path.
  std::string WriteFile(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

struct HttpResponse {
  int status = 0;       // 0 when no response arrived; see `error`
  std::string body;     // raw bytes, for byte-for-byte comparisons
  nlohmann::json json;  // the parsed body; a discarded value when it is not JSON
  std::string error;    // the transport error when status is 0
};

struct SandboxOptions {
  std::vector<std::string> args;  // extra command-line arguments, e.g. {"--seed", "7"}
  std::string db;                 // empty: a fresh file in the process's own temporary directory
  std::string fixtures;           // empty: the repository's fixtures/ (FIXTURES_DIR)
};

class SandboxProcess {
 public:
  // Starts the binary and waits (at most kDefaultWait) for its startup line.
  explicit SandboxProcess(SandboxOptions options = {});
  ~SandboxProcess();  // Stop()s the process if it still runs
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& db_path() const { return db_; }
  const std::string& startup_line() const { return startup_line_; }
  // Everything the child wrote to stderr so far.
  std::string Stderr() const;

  // A client for 127.0.0.1:port() with bounded timeouts.
  httplib::Client client() const;
  HttpResponse Get(const std::string& path, const httplib::Headers& headers = AuthHeaders()) const;
  HttpResponse Post(const std::string& path, const std::string& json_body,
                    const httplib::Headers& headers = AuthHeaders()) const;

  // SIGTERM, then waits at most `grace` for the exit; SIGKILL if it does not
  // come. Returns the exit code (128 + signal number when it was killed by a
  // signal, so 137 after the SIGKILL). Calling it again returns the same code.
  int Stop(std::chrono::milliseconds grace = kDefaultWait);

 private:
  void WaitForStartupLine(const std::vector<std::string>& argv);

  TempDir dir_;  // stderr log, and the database unless one was given
  std::string db_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  int pidfd_ = -1;      // -1 when the kernel has no pidfd_open
  int stdout_fd_ = -1;  // read end of the child's stdout
  int port_ = 0;
  std::string startup_line_;
  bool stopped_ = false;
  int exit_code_ = -1;
};

struct CliResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out;
  std::string err;
  bool timed_out = false;  // the child was SIGKILLed after `limit`
};

// Runs the binary with `args` to completion (for --help, --version, bad flags
// and bad fixtures), capturing stdout and stderr, waiting at most `limit`.
CliResult RunCli(const std::vector<std::string>& args, std::chrono::milliseconds limit = kDefaultWait);

}  // namespace sandbox::testing

// REQUIREs (CHECKs) an HttpResponse's status, showing the body or the
// transport error only when it differs. `response` is evaluated once, so it
// may be a request: CHECK_STATUS(sandbox.Get(path), 404). Expands to Catch
// macros at the use site, so this header does not depend on Catch.
#define REQUIRE_STATUS(response, code)                         \
  do {                                                         \
    const auto& status_response_ = (response); /* once only */ \
    INFO(status_response_.body << status_response_.error);     \
    REQUIRE(status_response_.status == (code));                \
  } while (false)
#define CHECK_STATUS(response, code)                           \
  do {                                                         \
    const auto& status_response_ = (response); /* once only */ \
    INFO(status_response_.body << status_response_.error);     \
    CHECK(status_response_.status == (code));                  \
  } while (false)
